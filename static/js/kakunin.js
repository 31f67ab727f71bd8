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
// Until the server has it, what was typed is kept in this browser (localStorage),
// so that a dropped network or a reload loses nothing. A ward or vendor PC is often
// shared: drafts are kept under the signed-in person's ID, anyone else's are removed
// at every page, and all of them at logout and when the session has expired (the
// text then stays only in the open page, which saves it after the next login).

var DRAFTS = "kakunin:";

function currentUser() {
  return document.body ? document.body.getAttribute("data-user") || "" : "";
}

function answerForm(el) {
  return el && el.closest ? el.closest("form.answer-form") : null;
}

function itemKey(form) {
  return form.getAttribute("data-draft-key").split(":").pop();
}

function draftKey(form) {
  return DRAFTS + currentUser() + ":" + form.getAttribute("data-draft-key").slice(DRAFTS.length);
}

function stateOf(form) {
  return document.getElementById("state-" + itemKey(form));
}

function show(form, kind) {
  var state = stateOf(form);
  if (!state) { return; }
  var words = document.getElementById("save-words");  // once on the page
  state.textContent = (words && words.getAttribute("data-" + kind)) || "";
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
  if (!currentUser()) { return; }
  try {
    var draft = { version: currentVersion(form), fields: fieldsOf(form), at: Date.now() };
    window.localStorage.setItem(draftKey(form), JSON.stringify(draft));
  } catch (e) { /* storage full or disabled: the server copy is all there is */ }
}

function dropDraft(form) {
  try { window.localStorage.removeItem(draftKey(form)); } catch (e) { /* ignore */ }
}

// Every draft, or every draft that is not this person's.
function dropDrafts(exceptMine) {
  var mine = DRAFTS + currentUser() + ":";
  try {
    for (var i = window.localStorage.length - 1; i >= 0; i--) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf(DRAFTS) === 0 && !(exceptMine && currentUser() && key.indexOf(mine) === 0)) {
        window.localStorage.removeItem(key);
      }
    }
  } catch (e) { /* storage disabled: nothing kept */ }
}

dropDrafts(true);

document.addEventListener("submit", function (event) {
  var action = event.target.getAttribute("action") || "";
  if (action.indexOf("/auth/logout/") !== -1) { dropDrafts(false); }
}, true);

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

// The CSRF token of a page opened before the person logged in again (in another tab)
// is out of date: the server's refusal carries the current one.
function renewToken(xhr) {
  var token = xhr && xhr.getResponseHeader("X-Kakunin-CSRF-Token");
  if (!token) { return false; }
  document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": token }));
  document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
    input.value = token;
  });
  return true;
}

document.addEventListener("htmx:afterRequest", function (event) {
  var form = answerForm(event.detail.elt);
  if (!form || event.detail.elt !== form) { return; }
  var xhr = event.detail.xhr;
  var status = xhr ? xhr.status : 0;
  if (status === 401) {
    dropDrafts(false);  // the session is over: nothing stays in this browser's storage
    show(form, "logged-out");
    var relogin = document.getElementById("relogin");
    if (relogin) { relogin.hidden = false; }
  } else if (status === 403 && !form.dataset.tokenRenewed && renewToken(xhr)) {
    form.dataset.tokenRenewed = "yes";
    form.requestSubmit();  // once, with the token of the new session
  } else if (!event.detail.successful) {
    show(form, "failed");
  } else {
    delete form.dataset.tokenRenewed;
    var state = stateOf(form);
    if (state && !state.classList.contains("failed")) { dropDraft(form); }
  }
});

// Back to this page after logging in again elsewhere: save what waited here.
function saveWhatWaited() {
  var waiting = document.querySelectorAll(".save-state.logged-out");
  if (!waiting.length) { return; }
  var relogin = document.getElementById("relogin");
  if (relogin) { relogin.hidden = true; }
  waiting.forEach(function (state) {
    var form = answerForm(state);
    if (form) { show(form, "saving"); form.requestSubmit(); }
  });
}
window.addEventListener("focus", saveWhatWaited);
document.addEventListener("visibilitychange", function () {
  if (document.visibilityState === "visible") { saveWhatWaited(); }
});

// After a (re)load: put back what the server never received.
function restoreDrafts(root) {
  if (!currentUser()) { return; }
  root.querySelectorAll("form.answer-form[data-draft-key]").forEach(function (form) {
    var raw;
    try { raw = window.localStorage.getItem(draftKey(form)); } catch (e) { return; }
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

// --- Later sections of the assessment page come as they scroll into view --------
// (hx-trigger="revealed"). A link or an address to an item of a section not yet
// there (the notices above the sheet, the scan page's 「確認票で回答と並べて見る」)
// brings that section first, then goes to the item.
function holderOf(key) {
  var holders = document.querySelectorAll(".deferred[data-items]");
  for (var i = 0; i < holders.length; i++) {
    if ((" " + holders[i].getAttribute("data-items") + " ").indexOf(" " + key + " ") >= 0) {
      return holders[i];
    }
  }
  return null;
}

function bringItem(hash) {
  if (!window.htmx || hash.indexOf("#item-") !== 0 || document.getElementById(hash.slice(1))) {
    return false;
  }
  var holder = holderOf(decodeURIComponent(hash.slice("#item-".length)));
  if (!holder) { return false; }
  window.htmx.ajax("GET", holder.getAttribute("hx-get"), { target: holder, swap: "outerHTML" })
    .then(function () {
      var item = document.getElementById(decodeURIComponent(hash.slice(1)));
      if (item) { item.scrollIntoView(); }
    });
  return true;
}

document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest('a[href^="#item-"]') : null;
  if (link && bringItem(link.getAttribute("href"))) {
    event.preventDefault();
    window.history.pushState(null, "", link.getAttribute("href"));
  }
});

document.addEventListener("DOMContentLoaded", function () { bringItem(window.location.hash); });

// A later section is asked for ("near") once it is less than a screen below the
// window, and so is every one above it: a fast scroll or a jump to the foot of the
// page never leaves a section behind. Looked at on scroll, and again when a section
// has arrived (it may leave the next ones in view with no scroll to follow).
var nearPending = false;
function askNearSections() {
  nearPending = false;
  if (!window.htmx) { return; }
  var reach = window.innerHeight * 2;
  document.querySelectorAll(".deferred:not([data-asked])").forEach(function (holder) {
    if (holder.getBoundingClientRect().top < reach) {
      holder.setAttribute("data-asked", "yes");
      window.htmx.trigger(holder, "near");
    }
  });
}
function askSoon() {
  if (!nearPending) { nearPending = true; window.requestAnimationFrame(askNearSections); }
}
window.addEventListener("scroll", askSoon, { passive: true });
window.addEventListener("resize", askSoon);
document.addEventListener("DOMContentLoaded", askSoon);
document.addEventListener("htmx:afterSettle", askSoon);

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
