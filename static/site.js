// Lectern reader site: small progressive enhancements. Every page is complete
// and readable without this file; it only adds conveniences.
"use strict";

// A "Copy" button on each code block. The code is copied as plain text (no
// line marks, no caption); the result is announced to screen readers.
(function () {
  var blocks = document.querySelectorAll(".code-block");
  if (!blocks.length) return;

  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  document.body.appendChild(status);

  function announce(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  // Selecting the code lets a reader copy it by hand when copying is refused.
  function select(code) {
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyBySelection(code) {
    select(code);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    return ok;
  }

  function done(button, ok, code) {
    if (ok) {
      button.textContent = "Copied";
      announce("Code copied to the clipboard.");
    } else {
      select(code);
      announce("Copying is not allowed here: the code is selected, press Control+C (or Command+C) to copy it.");
    }
    window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
  }

  blocks.forEach(function (block) {
    var code = block.querySelector("pre code");
    if (!code) return;
    var title = block.querySelector(".code-title");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "code-copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", title ? "Copy " + title.textContent : "Copy code");
    button.addEventListener("click", function () {
      var text = code.textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { done(button, true, code); },
          function () { done(button, copyBySelection(code), code); }
        );
      } else {
        done(button, copyBySelection(code), code);
      }
    });
    block.insertBefore(button, block.querySelector("pre"));
  });
})();
