// Kakunin's own behaviour. No inline scripts anywhere: the CSP forbids them.
"use strict";

document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.classList && el.classList.contains("autosubmit") && el.form) {
    el.form.submit();
  }
});

// Confirmation for buttons that carry data-confirm (e.g. submitting, approving).
document.addEventListener("click", function (event) {
  var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// The invitation link carries its code after "#", which browsers never send to a
// server (so no access log holds it): post it from the page, and take it out of
// the address bar and the history.
(function () {
  var form = document.getElementById("invitation-code");
  var code = window.location.hash.slice(1);
  if (!form || !code) { return; }
  window.history.replaceState(null, "", window.location.pathname);
  form.querySelector("input[name=code]").value = decodeURIComponent(code);
  form.submit();
})();

// --- Answers save as one types (htmx), and nothing typed is lost -------------
// Until the server has it, what was typed is kept in this browser
// (localStorage), so a timed-out session or a dropped network loses nothing:
// after the next login the page puts it back and saves it.

function answerForm(el) {
  return el && el.closest ? el.closest("form.answer-form") : null;
}

function itemKey(form) {
  return form.getAttribute("data-draft-key").split(":").pop();
}

function stateOf(form) {
  return document.getElementById("state-" + itemKey(form));
}

function show(form, kind) {
  var state = stateOf(form);
  if (!state) { return; }
  state.textContent = state.getAttribute("data-" + kind) || "";
  state.className = "save-state " + kind;
}

function fieldsOf(form) {
  var values = {};
  form.querySelectorAll("[data-draft]").forEach(function (field) {
    values[field.getAttribute("data-draft")] = field.value;
  });
  return values;
}

function currentVersion(form) {
  var input = document.getElementById("version-" + itemKey(form));
  return input ? input.value : form.getAttribute("data-version");
}

function keepDraft(form) {
  try {
    var draft = { version: currentVersion(form), fields: fieldsOf(form), at: Date.now() };
    window.localStorage.setItem(form.getAttribute("data-draft-key"), JSON.stringify(draft));
  } catch (e) { /* storage full or disabled: the server copy is all there is */ }
}

function dropDraft(form) {
  try { window.localStorage.removeItem(form.getAttribute("data-draft-key")); } catch (e) { /* ignore */ }
}

document.addEventListener("input", function (event) {
  var form = answerForm(event.target);
  if (form) {
    keepDraft(form);
    show(form, "unsaved");
  }
});

document.addEventListener("htmx:beforeRequest", function (event) {
  var form = answerForm(event.detail.elt);
  if (form && event.detail.elt === form) {
    keepDraft(form);
    show(form, "saving");
  }
});

document.addEventListener("htmx:afterRequest", function (event) {
  var form = answerForm(event.detail.elt);
  if (!form || event.detail.elt !== form) { return; }
  var status = event.detail.xhr ? event.detail.xhr.status : 0;
  if (status === 401) {
    show(form, "logged-out");
  } else if (!event.detail.successful) {
    show(form, "failed");
  } else {
    var state = stateOf(form);
    if (state && !state.classList.contains("failed")) { dropDraft(form); }
  }
});

// After a (re)load: put back what the server never received.
function restoreDrafts(root) {
  root.querySelectorAll("form.answer-form[data-draft-key]").forEach(function (form) {
    var raw;
    try { raw = window.localStorage.getItem(form.getAttribute("data-draft-key")); } catch (e) { return; }
    if (!raw) { return; }
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { dropDraft(form); return; }
    if (String(draft.version) !== String(currentVersion(form))) {
      dropDraft(form);  // the answer moved on since: the server's copy is newer
      return;
    }
    var changed = false;
    form.querySelectorAll("[data-draft]").forEach(function (field) {
      var value = draft.fields[field.getAttribute("data-draft")];
      if (value !== undefined && field.value !== value) { field.value = value; changed = true; }
    });
    if (!changed) { dropDraft(form); return; }
    show(form, "restored");
    form.requestSubmit();  // htmx sends it, as if the person had pressed 保存
  });
}

// After htmx has wired the forms (the page, or an item drawn again).
if (window.htmx) {
  window.htmx.onLoad(function (elt) { if (elt.querySelectorAll) { restoreDrafts(elt); } });
}

// A request that failed outright (network down) says so on the form.
document.addEventListener("htmx:sendError", function (event) {
  var form = answerForm(event.detail.elt);
  if (form) { show(form, "failed"); }
});

// --- An action on the whole page (提出, 再提出, …) waits for the answers --------
// A click on 提出 blurs the box being typed in, which starts its save. Were the
// submission to overtake that save, the last words typed would miss it, and the
// save, arriving after, would be refused. So the page's own forms wait until every
// answer has saved, then go; if one could not be saved, they stay and say which.

var PENDING = ["unsaved", "saving", "restored"];
var WAIT_MS = 20000;

function answerStates() {
  return Array.prototype.slice.call(document.querySelectorAll("form.answer-form .save-state"));
}

function hasClass(el, names) {
  return names.some(function (name) { return el.classList.contains(name); });
}

function waitNotice(kind) {
  var notice = document.getElementById("save-wait");
  if (!notice) { return; }
  notice.textContent = kind ? notice.getAttribute("data-" + kind) || "" : "";
  notice.hidden = !kind;
}

document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.answersSaved === "waiting") { event.preventDefault(); return; }  // pressed twice
  if (form.dataset.answersSaved === "yes" || answerForm(form) === form) { return; }
  if ((form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
  if (form.hasAttribute("hx-post") || form.closest("form.answer-form")) { return; }
  var pending = answerStates().filter(function (s) { return hasClass(s, PENDING); });
  if (!pending.length) { return; }
  event.preventDefault();
  var submitter = event.submitter || null;
  pending.forEach(function (state) {
    var answer = answerForm(state);
    if (answer && state.classList.contains("unsaved")) { answer.requestSubmit(); }
  });
  waitNotice("waiting");
  form.dataset.answersSaved = "waiting";
  var started = Date.now();
  var timer = window.setInterval(function () {
    var states = answerStates();
    var busy = states.some(function (s) { return hasClass(s, PENDING); });
    if (busy && Date.now() - started < WAIT_MS) { return; }
    window.clearInterval(timer);
    var stuck = states.filter(function (s) { return hasClass(s, PENDING.concat(["failed", "logged-out"])); });
    if (stuck.length) {
      delete form.dataset.answersSaved;
      waitNotice("failed");
      stuck[0].scrollIntoView({ block: "center" });
      return;
    }
    waitNotice(null);
    form.dataset.answersSaved = "yes";
    form.requestSubmit(submitter);
  }, 100);
});
