// Kakunin's own behaviour. No inline scripts anywhere: the CSP forbids them.
"use strict";

document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.classList && el.classList.contains("autosubmit") && el.form) {
    el.form.submit();
  }
});

// Confirmation for buttons that carry data-confirm (e.g. applying an import).
document.addEventListener("click", function (event) {
  var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// An item form marks itself unsaved while it differs from what was saved.
document.addEventListener("input", function (event) {
  var form = event.target.form;
  if (form && form.classList.contains("answer-form")) {
    form.classList.add("dirty");
    var state = form.querySelector(".save-state");
    if (state) { state.textContent = state.getAttribute("data-unsaved"); state.className = "save-state unsaved"; }
  }
});

// A request that failed (server error, network down) says so on the form.
function markFailed(event) {
  var form = event.detail.elt;
  var state = form && form.querySelector ? form.querySelector(".save-state") : null;
  if (state) { state.textContent = state.getAttribute("data-failed"); state.className = "save-state failed"; }
}
document.addEventListener("htmx:responseError", markFailed);
document.addEventListener("htmx:sendError", markFailed);
