//! Line icons (24×24, drawn with the current colour) for navigation and buttons.

macro_rules! icon {
    ($name:ident, $paths:literal) => {
        pub const $name: &str = concat!(
            r#"<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">"#,
            $paths,
            "</svg>"
        );
    };
}

icon!(
    BUILDING,
    r#"<rect x="4" y="3" width="16" height="18" rx="2"/><path d="M9 7h1M14 7h1M9 11h1M14 11h1M9 15h1M14 15h1M10 21v-3h4v3"/>"#
);
icon!(
    PALETTE,
    r#"<path d="M12 3a9 9 0 1 0 0 18c1.1 0 1.7-.9 1.3-1.9-.5-1.2.3-2.6 1.7-2.6H17a4 4 0 0 0 4-4c0-5-4-9.5-9-9.5z"/><circle cx="7.5" cy="11" r="1"/><circle cx="10.5" cy="7" r="1"/><circle cx="15" cy="8" r="1"/>"#
);
icon!(
    MAIL,
    r#"<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3 7 9 6 9-6"/>"#
);
icon!(
    FILE,
    r#"<path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z"/><path d="M14 3v5h5M9 13h6M9 17h6"/>"#
);
icon!(
    USERS,
    r#"<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20a6.5 6.5 0 0 1 13 0"/><path d="M16 4.5a3.5 3.5 0 0 1 0 7M18 14a6 6 0 0 1 3.5 6"/>"#
);
icon!(
    KEY,
    r#"<circle cx="8" cy="15" r="4"/><path d="m11 12 9-9M17 6l3 3M15 8l2 2"/>"#
);
icon!(
    INBOX,
    r#"<path d="M3 13h5l1.5 3h5L16 13h5"/><path d="M5.5 5h13L21 13v6H3v-6z"/>"#
);
icon!(ACTIVITY, r#"<path d="M3 12h4l3-8 4 16 3-8h4"/>"#);
icon!(
    HOME,
    r#"<path d="m3 11 9-8 9 8"/><path d="M5 10v10h14V10"/><path d="M10 20v-6h4v6"/>"#
);
icon!(
    TEAM,
    r#"<circle cx="12" cy="7" r="3"/><circle cx="5" cy="10" r="2.2"/><circle cx="19" cy="10" r="2.2"/><path d="M7 20a5 5 0 0 1 10 0M1.5 19a3.5 3.5 0 0 1 5-3.2M22.5 19a3.5 3.5 0 0 0-5-3.2"/>"#
);
icon!(
    SLIDERS,
    r#"<path d="M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0"/><circle cx="16" cy="6" r="2"/><circle cx="10" cy="12" r="2"/><circle cx="18" cy="18" r="2"/>"#
);
icon!(
    SHIELD,
    r#"<path d="M12 3 4 6v6c0 5 3.5 8 8 9 4.5-1 8-4 8-9V6z"/><path d="m9 12 2 2 4-4"/>"#
);
icon!(
    CHAT,
    r#"<path d="M21 12a8 8 0 0 1-11.5 7.2L4 21l1.8-5A8 8 0 1 1 21 12z"/>"#
);
icon!(CHART, r#"<path d="M4 20V10M10 20V4M16 20v-7M22 20H2"/>"#);
icon!(
    BOOK,
    r#"<path d="M4 5a2 2 0 0 1 2-2h13v16H6a2 2 0 0 0-2 2z"/><path d="M4 19V5M8 7h7"/>"#
);
icon!(
    PLUG,
    r#"<path d="M9 3v5M15 3v5M6 8h12v3a6 6 0 0 1-12 0zM12 17v4"/>"#
);
icon!(
    SPARKLES,
    r#"<path d="M12 3l1.8 4.7L18.5 9.5 13.8 11.3 12 16l-1.8-4.7L5.5 9.5l4.7-1.8zM19 15l.8 2.2L22 18l-2.2.8L19 21l-.8-2.2L16 18l2.2-.8z"/>"#
);
icon!(
    GEAR,
    r#"<circle cx="12" cy="12" r="3"/><path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z"/>"#
);
icon!(
    TABS,
    r#"<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M3 9h18M9 4v5"/>"#
);
icon!(
    CARD,
    r#"<rect x="2" y="5" width="20" height="14" rx="2"/><path d="M2 10h20M6 15h4"/>"#
);
icon!(
    SEARCH,
    r#"<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>"#
);
icon!(PLUS, r#"<path d="M12 5v14M5 12h14"/>"#);
icon!(
    MIC,
    r#"<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3"/>"#
);

/// An icon by its lower-case name; an unknown name draws nothing.
pub fn by_name(name: &str) -> &'static str {
    match name {
        "building" => BUILDING,
        "palette" => PALETTE,
        "mail" => MAIL,
        "file" => FILE,
        "users" => USERS,
        "key" => KEY,
        "inbox" => INBOX,
        "activity" => ACTIVITY,
        "home" => HOME,
        "team" => TEAM,
        "sliders" => SLIDERS,
        "shield" => SHIELD,
        "chat" => CHAT,
        "chart" => CHART,
        "book" => BOOK,
        "plug" => PLUG,
        "sparkles" => SPARKLES,
        "gear" => GEAR,
        "tabs" => TABS,
        "card" => CARD,
        "search" => SEARCH,
        "plus" => PLUS,
        "mic" => MIC,
        _ => "",
    }
}
icon!(
    LOCK,
    r#"<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>"#
);
