//! Substring search over a case-folded column.

use sea_query::{Expr, ExprTrait, IntoColumnRef, LikeExpr};

/// Whether `column` contains `search`, with LIKE's wildcards in `search` taken literally.
pub(crate) fn contains(column: impl IntoColumnRef, search: &str) -> Expr {
    Expr::col(column).like(pattern(search))
}

fn pattern(search: &str) -> LikeExpr {
    let escaped = search
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}
