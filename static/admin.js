// Lectern admin: small progressive enhancements. Every page works without it.
"use strict";

// Ask before leaving a form with unsaved changes (the editor's text is never
// dropped silently). Submitting the form itself is not "leaving".
document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
  var initial = new FormData(form);
  var dirty = function () {
    var now = new FormData(form);
    for (var pair of now.entries()) {
      if (typeof pair[1] === "string" && initial.get(pair[0]) !== pair[1]) return true;
    }
    return false;
  };
  var submitting = false;
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (!submitting && dirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
});

// == The editor: live preview, toolbar, shortcuts, slug, autosave (editor work)

// == Images: drop, paste, insert; reordering by drag and drop (images work)

// == Confirmations and small page helpers (polish work)
