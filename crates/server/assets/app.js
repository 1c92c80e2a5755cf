// Progressive enhancement for server-rendered pages. Forms and buttons marked `data-api` call the
// JSON API (the same services and rules as every other client), show field errors inline and
// report the outcome in a toast; dialogs, confirmations, live search, live lists, drag-and-drop assignment
// and image uploads build on that.
"use strict";
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const msg = (key) => document.body.dataset["msg" + key] || key;
  const csrf = () => ($('meta[name="csrf-token"]') || {}).content || "";

  function toast(text, kind) {
    let box = $(".toasts");
    if (!box) {
      box = document.createElement("div");
      box.className = "toasts";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.append(box);
    }
    const item = document.createElement("div");
    item.className = "toast" + (kind === "error" ? " error" : "");
    item.textContent = text;
    box.append(item);
    setTimeout(() => item.remove(), kind === "error" ? 6000 : 3200);
  }

  // Shows the next page's toast after a reload or navigation.
  function toastAfterNavigation(text) {
    if (text) sessionStorage.setItem("toast", text);
  }
  const pending = sessionStorage.getItem("toast");
  if (pending) {
    sessionStorage.removeItem("toast");
    toast(pending);
  }

  async function call(spec, body) {
    const [method, url] = spec.trim().split(/\s+/, 2);
    const headers = { "x-csrf-token": csrf(), accept: "application/json" };
    const init = { method, headers, credentials: "same-origin" };
    if (body instanceof Blob) {
      headers["content-type"] = body.type || "application/octet-stream";
      init.body = body;
    } else if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (_) {
      return { ok: false, status: 0, data: { title: msg("Offline") } };
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    return { ok: response.ok, status: response.status, data };
  }

  function setPath(target, path, value) {
    const keys = path.split(".");
    let node = target;
    keys.slice(0, -1).forEach((k) => { node = node[k] = node[k] || {}; });
    node[keys[keys.length - 1]] = value;
  }

  function serialize(form) {
    const out = {};
    const lists = new Set();
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.dataset.skip !== undefined) continue;
      const type = el.dataset.type;
      if (el.closest("[hidden]") && el.dataset.keepHidden === undefined) continue;
      if (el.type === "checkbox" && type === "list") {
        if (!lists.has(el.name)) { lists.add(el.name); setPath(out, el.name, []); }
        if (el.checked) pathGet(out, el.name).push(el.value);
        continue;
      }
      if (el.type === "checkbox") { setPath(out, el.name, el.checked); continue; }
      if (el.type === "radio") { if (el.checked) setPath(out, el.name, el.value); continue; }
      let value = el.value;
      if (type === "lines") value = value.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
      else if (type === "int") value = value.trim() === "" ? null : Number(value);
      const empty = value === null || value === "";
      if (empty && el.dataset.empty === "omit") continue;
      if (empty && el.dataset.empty === "null") value = null;
      setPath(out, el.name, value);
    }
    return out;
  }
  function pathGet(obj, path) { return path.split(".").reduce((o, k) => o[k], obj); }

  function clearErrors(scope) {
    $$(".field-error[data-generated]", scope).forEach((e) => e.remove());
    $$('[aria-invalid="true"]', scope).forEach((e) => e.removeAttribute("aria-invalid"));
    const general = $(".form-error", scope);
    if (general) { general.hidden = true; general.textContent = ""; }
  }

  function fieldElement(scope, field) {
    const base = field.replace(/\[\d+\]$/, "").replace(/\.\d+$/, "");
    return $(`[data-field="${CSS.escape(field)}"]`, scope) || $(`[name="${CSS.escape(field)}"]`, scope)
      || $(`[data-field="${CSS.escape(base)}"]`, scope) || $(`[name="${CSS.escape(base)}"]`, scope);
  }

  function showProblem(scope, data) {
    const problem = data || {};
    let placed = 0;
    for (const error of problem.errors || []) {
      const el = error.field && fieldElement(scope, error.field);
      if (!el) continue;
      el.setAttribute("aria-invalid", "true");
      const note = document.createElement("div");
      note.className = "field-error";
      note.dataset.generated = "";
      note.textContent = error.message;
      (el.closest(".field") || el.parentElement).append(note);
      if (placed++ === 0 && el.focus) el.focus();
    }
    if (placed === 0) {
      const text = problem.detail || problem.title || msg("Error");
      const general = $(".form-error", scope);
      if (general) { general.textContent = text; general.hidden = false; }
      toast(text, "error");
    }
  }

  function fill(template, data) {
    return template.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent((data && data[key]) ?? ""));
  }

  function after(el, data) {
    const then = el.dataset.then || "reload";
    const success = el.dataset.success || msg("Saved");
    if (then.startsWith("go:")) { toastAfterNavigation(success); location.assign(fill(then.slice(3), data)); return; }
    if (then === "open-url") { location.assign(data.url); return; }
    if (then.startsWith("show:")) {
      const box = $(then.slice(5));
      $$("[data-from]", box).forEach((node) => {
        const value = data[node.dataset.from];
        node.textContent = Array.isArray(value) ? value.join("\n") : (value ?? "");
        if (node.dataset.fromHref !== undefined) node.href = value ?? "";
      });
      box.hidden = false;
      toast(success);
      return;
    }
    if (then.startsWith("preview:")) {
      const frame = $(then.slice(8));
      frame.srcdoc = data.html || "";
      const subject = $(frame.dataset.subject || "#preview-subject");
      if (subject) subject.textContent = data.subject || "";
      return;
    }
    if (then === "toast") { toast(success); return; }
    toastAfterNavigation(success);
    location.reload();
  }

  async function submit(form, submitter) {
    clearErrors(form);
    const body = serialize(form);
    // `{field}` in the address takes the form's value of that field (e.g. a chosen user).
    const spec = ((submitter && submitter.dataset.api) || form.dataset.api)
      .replace(/\{(\w+)\}/g, (_, key) => { const value = body[key]; delete body[key]; return encodeURIComponent(value ?? ""); });
    const button = submitter || $('[type="submit"]', form);
    if (button) button.setAttribute("aria-busy", "true");
    const result = await call(spec, body);
    if (!result.ok) { if (button) button.removeAttribute("aria-busy"); showProblem(form, result.data); return; }
    // The password was right and the account has a second factor: ask for its code.
    if (form.dataset.secondFactor && result.data && result.data.second_factor) {
      const next = $(form.dataset.secondFactor);
      $('[name="challenge"]', next).value = result.data.second_factor.challenge;
      form.hidden = true;
      next.hidden = false;
      $('[name="code"]', next).focus();
      return;
    }
    // A second call that depends on the first, e.g. inviting the user just created.
    const follow = form.dataset.follow;
    const when = form.dataset.followWhen;
    if (follow && (!when || $$(`[name="${when.split("=")[0]}"]`, form).some((el) => el.checked && el.value === when.split("=")[1]))) {
      const second = await call(fill(follow, result.data));
      if (!second.ok) toast((second.data && (second.data.detail || second.data.title)) || msg("Error"), "error");
    }
    if (button) button.removeAttribute("aria-busy");
    const dialog = form.closest("dialog");
    if (dialog && form.dataset.then && form.dataset.then.startsWith("show:")) { /* keep the dialog open */ }
    else if (dialog && !(form.dataset.then || "").startsWith("preview:")) dialog.close();
    after(submitter && submitter.dataset.then ? submitter : form, result.data);
  }

  function confirmAction(text, label) {
    const dialog = $("#confirm-dialog");
    if (!dialog) return Promise.resolve(window.confirm(text));
    $("[data-confirm-text]", dialog).textContent = text;
    $("[data-confirm-ok]", dialog).textContent = label || msg("Confirm");
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    });
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("form[data-api]")) return;
    event.preventDefault();
    const submitter = event.submitter && event.submitter.dataset.api ? event.submitter : null;
    const question = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (question) {
      confirmAction(question, form.dataset.confirmLabel).then((yes) => yes && submit(form, submitter));
    } else {
      submit(form, submitter);
    }
  });

  document.addEventListener("click", async (event) => {
    const opener = event.target.closest("[data-open]");
    if (opener) {
      event.preventDefault();
      const dialog = document.getElementById(opener.dataset.open);
      const form = $("form", dialog);
      if (form) {
        if (opener.dataset.reset !== undefined) form.reset();
        clearErrors(form);
        if (opener.dataset.setApi) form.dataset.api = opener.dataset.setApi;
        if (opener.dataset.fill) fillForm(form, JSON.parse(opener.dataset.fill));
        $$("[data-show-when]", form).forEach(syncVisibility);
      }
      if (opener.dataset.title) $("[data-dialog-title]", dialog).textContent = opener.dataset.title;
      if (opener.dataset.context) dialog.dataset.context = opener.dataset.context;
      dialog.showModal();
      const first = $("input:not([type=hidden]), select, textarea", dialog);
      if (first) first.focus();
      return;
    }
    const closer = event.target.closest("[data-close]");
    if (closer) { closer.closest("dialog").close(closer.value || ""); return; }
    const action = event.target.closest("button[data-api]:not([type=submit])");
    if (action && !action.form) {
      event.preventDefault();
      if (action.dataset.confirm && !(await confirmAction(action.dataset.confirm, action.dataset.confirmLabel))) return;
      action.setAttribute("aria-busy", "true");
      const body = action.dataset.body ? JSON.parse(action.dataset.body) : undefined;
      const result = await call(action.dataset.api, body);
      action.removeAttribute("aria-busy");
      if (!result.ok) { toast((result.data && (result.data.detail || result.data.title)) || msg("Error"), "error"); return; }
      after(action, result.data);
      return;
    }
    const preset = event.target.closest("[data-preset]");
    if (preset) {
      const chosen = JSON.parse(preset.dataset.preset);
      $$('input[name="permissions"]', preset.form || preset.closest("form")).forEach((box) => {
        if (!box.disabled) box.checked = chosen.includes(box.value);
      });
      return;
    }
    const toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) { $(".shell").classList.toggle("nav-open"); return; }
    const copy = event.target.closest("[data-copy]");
    if (copy) {
      const text = $(copy.dataset.copy).textContent;
      navigator.clipboard && navigator.clipboard.writeText(text).then(() => toast(msg("Copied")));
    }
  });

  function fillForm(form, values) {
    for (const [name, value] of Object.entries(values)) {
      const fields = $$(`[name="${CSS.escape(name)}"]`, form);
      for (const el of fields) {
        if (el.type === "checkbox" && Array.isArray(value)) el.checked = value.includes(el.value);
        else if (el.type === "checkbox") el.checked = Boolean(value);
        else if (el.type === "radio") el.checked = el.value === value;
        else el.value = value ?? "";
      }
    }
  }

  // Shows a block only while a radio or checkbox has a given value: data-show-when="name=value".
  function syncVisibility(block) {
    const [name, value] = block.dataset.showWhen.split("=");
    const form = block.closest("form");
    const chosen = $$(`[name="${name}"]`, form).find((el) => el.checked);
    block.hidden = !(chosen && chosen.value === value);
  }
  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (form) $$("[data-show-when]", form).forEach(syncVisibility);
    if (event.target.matches("input[type=file][data-image-for]")) upload(event.target);
    if (event.target.matches("[data-live-filter]")) event.target.form.requestSubmit();
  });
  $$("[data-show-when]").forEach(syncVisibility);

  async function upload(input) {
    const file = input.files[0];
    if (!file) return;
    const form = input.form;
    const hidden = $(`[name="${input.dataset.imageFor}"]`, form);
    const result = await call("POST /api/v1/images", file);
    if (!result.ok) { clearErrors(form); showProblem(form, { errors: [{ field: hidden.name, message: (result.data && (result.data.detail || result.data.title)) || msg("Error") }] }); return; }
    hidden.value = result.data.id;
    const preview = $(`[data-image-preview="${input.dataset.imageFor}"]`, form);
    if (preview) {
      // Keep anything else in the preview, such as the file input itself.
      preview.querySelectorAll("img, svg").forEach((old) => old.remove());
      preview.insertAdjacentHTML("afterbegin", `<img alt="" src="/images/${encodeURIComponent(result.data.id)}">`);
    }
  }

  // Live search: a GET form whose results live in an element with an id; the server renders
  // the same page, and only that element is swapped.
  let timer;
  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.matches("[data-live]")) return;
    clearTimeout(timer);
    timer = setTimeout(() => refresh(input.form, input.dataset.live), 220);
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const live = form.dataset.liveTarget;
    if (!live) return;
    event.preventDefault();
    refresh(form, live);
  });
  async function refresh(form, targetId) {
    const params = new URLSearchParams(new FormData(form));
    for (const [key, value] of Array.from(params)) if (!value) params.delete(key);
    const current = new URLSearchParams(location.search);
    for (const [key, value] of current) if (!form.elements[key] && !params.has(key)) params.set(key, value);
    const url = location.pathname + (params.toString() ? "?" + params : "");
    const response = await fetch(url, { headers: { accept: "text/html" }, credentials: "same-origin" });
    const html = await response.text();
    const next = new DOMParser().parseFromString(html, "text/html").getElementById(targetId);
    const here = document.getElementById(targetId);
    if (next && here) here.replaceWith(next);
    history.replaceState(null, "", url);
  }

  // Drag an agent onto an organization to assign it.
  document.addEventListener("dragstart", (event) => {
    const agent = event.target.closest && event.target.closest("[data-agent]");
    if (!agent) return;
    event.dataTransfer.setData("text/x-agent", agent.dataset.agent);
    event.dataTransfer.setData("text/plain", agent.dataset.agentName || "");
    event.dataTransfer.effectAllowed = "move";
    agent.classList.add("dragging");
  });
  document.addEventListener("dragend", (event) => {
    const agent = event.target.closest && event.target.closest("[data-agent]");
    if (agent) agent.classList.remove("dragging");
    $$(".drop-target").forEach((el) => el.classList.remove("drop-target"));
  });
  document.addEventListener("dragover", (event) => {
    const org = event.target.closest && event.target.closest("[data-drop-org]");
    if (!org || !event.dataTransfer.types.includes("text/x-agent")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    $$(".drop-target").forEach((el) => el !== org && el.classList.remove("drop-target"));
    org.classList.add("drop-target");
  });
  document.addEventListener("dragleave", (event) => {
    const org = event.target.closest && event.target.closest("[data-drop-org]");
    if (org && !org.contains(event.relatedTarget)) org.classList.remove("drop-target");
  });
  document.addEventListener("drop", (event) => {
    const org = event.target.closest && event.target.closest("[data-drop-org]");
    if (!org) return;
    event.preventDefault();
    org.classList.remove("drop-target");
    const agentId = event.dataTransfer.getData("text/x-agent");
    const agent = $(`[data-agent="${CSS.escape(agentId)}"]`);
    assign(agentId, org.dataset.dropOrg, org.dataset.orgName, agent && agent.dataset.assigned === "true");
  });

  async function assign(agentId, orgId, orgName, moving) {
    const result = await call(`PUT /api/v1/agents/${agentId}/organization`, { organization_id: orgId, move: moving });
    if (!result.ok) { toast((result.data && (result.data.detail || result.data.title)) || msg("Error"), "error"); return; }
    toastAfterNavigation(msg("Assigned").replace("{name}", orgName || ""));
    location.reload();
  }

  // The keyboard alternative: pick an organization from a searchable list.
  const picker = $("#assign-dialog");
  if (picker) {
    const input = $("input[type=search]", picker);
    const results = $(".picker-results", picker);
    const search = async () => {
      const result = await call(`GET /api/v1/organizations?limit=8&q=${encodeURIComponent(input.value.trim())}`);
      results.replaceChildren();
      for (const org of (result.data && result.data.organizations) || []) {
        const option = document.createElement("button");
        option.type = "button";
        option.textContent = org.name;
        option.addEventListener("click", () => {
          const [agentId, assigned] = (picker.dataset.context || "").split(":");
          picker.close();
          assign(agentId, org.id, org.name, assigned === "true");
        });
        results.append(option);
      }
      if (!results.children.length) results.innerHTML = `<p class="muted" style="padding:10px 12px;margin:0">${msg("NoResults")}</p>`;
    };
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 180); });
    picker.addEventListener("toggle", () => { if (picker.open) { input.value = ""; search(); } });
  }
})();

// Live brand preview: inputs marked data-preview-var / data-preview-text restyle the preview.
document.addEventListener("input", (event) => {
  const input = event.target;
  const form = input.form;
  if (!form || !form.dataset.preview) return;
  const preview = document.querySelector(form.dataset.preview);
  if (input.dataset.previewVar) preview.style.setProperty(input.dataset.previewVar, input.value);
  if (input.dataset.previewText) {
    preview.querySelectorAll(`[data-preview-text-target="${input.dataset.previewText}"]`).forEach((el) => { el.textContent = input.value; });
  }
});

// Live lists: an element with an id and data-poll="N" is fetched again every N seconds and
// swapped when the server renders it differently, unless someone is typing in it.
document.querySelectorAll("[data-poll][id]").forEach((first) => {
  const id = first.id;
  const seconds = Math.max(2, Number(first.dataset.poll) || 5);
  setInterval(async () => {
    const here = document.getElementById(id);
    const focus = document.activeElement;
    if (!here || document.hidden || (here.contains(focus) && focus.matches("input, select, textarea"))) return;
    const response = await fetch(location.href, { headers: { accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok) return;
    const next = new DOMParser().parseFromString(await response.text(), "text/html").getElementById(id);
    const now = document.getElementById(id);
    if (next && now && next.innerHTML !== now.innerHTML) now.replaceWith(next);
  }, seconds * 1000);
});
