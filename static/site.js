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

// Learner progress, kept in this browser only (no account): "Mark as done"
// on lessons, a progress bar per course on the course page and the home
// page, and a "Continue" link to the first lesson not done yet. The slots
// are hidden in the HTML, so without this script nothing half-works.
(function () {
  var KEY = "lectern-progress";
  var storage;
  try {
    storage = window.localStorage;
    storage.setItem(KEY + "-probe", "1");
    storage.removeItem(KEY + "-probe");
  } catch (e) {
    return; // storage refused (private mode, settings): show nothing
  }

  function load() {
    try { return JSON.parse(storage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  var progress = load();
  function doneIn(course) { return Array.isArray(progress[course]) ? progress[course] : []; }
  function save() { try { storage.setItem(KEY, JSON.stringify(progress)); } catch (e) { /* full */ } }

  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  document.body.appendChild(live);

  document.querySelectorAll(".progress-slot").forEach(function (slot) {
    var course = slot.getAttribute("data-progress-course");
    var lesson = slot.getAttribute("data-progress-lesson");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "mark-done";
    function show() {
      var done = doneIn(course).indexOf(lesson) !== -1;
      button.setAttribute("aria-pressed", done ? "true" : "false");
      button.textContent = done ? "Done \u2713" : "Mark as done";
    }
    button.addEventListener("click", function () {
      var list = doneIn(course).slice();
      var at = list.indexOf(lesson);
      if (at === -1) { list.push(lesson); } else { list.splice(at, 1); }
      progress[course] = list;
      save();
      show();
      live.textContent = at === -1 ? "Lesson marked as done." : "Lesson marked as not done.";
    });
    show();
    slot.appendChild(button);
    slot.hidden = false;
  });

  document.querySelectorAll(".course-progress").forEach(function (slot) {
    var course = slot.getAttribute("data-progress-course");
    var total = parseInt(slot.getAttribute("data-total"), 10) || 0;
    if (!total) return;
    var done = doneIn(course);
    // On the course page, count only lessons listed there, mark them, and
    // offer the first one not done.
    var items = slot.parentNode.querySelectorAll(".lesson-item[data-progress-lesson]");
    var count = Math.min(done.length, total);
    var next = null;
    if (items.length) {
      count = 0;
      items.forEach(function (item) {
        var url = item.getAttribute("data-progress-lesson");
        if (done.indexOf(url) !== -1) {
          count += 1;
          item.classList.add("is-done");
          var mark = document.createElement("span");
          mark.className = "done-mark";
          mark.textContent = " \u2713 done";
          item.querySelector(".lesson-item-title").appendChild(mark);
        } else if (!next) {
          next = item.querySelector(".lesson-item-title a");
        }
      });
    }
    var bar = document.createElement("progress");
    bar.max = total;
    bar.value = count;
    bar.setAttribute("aria-label", "Course progress");
    var text = document.createElement("span");
    text.className = "progress-text";
    text.textContent = count + " of " + total + " lessons done";
    slot.appendChild(bar);
    slot.appendChild(text);
    if (next && count > 0) {
      var go = document.createElement("a");
      go.className = "continue-link";
      go.href = next.getAttribute("href");
      go.textContent = "Continue: " + next.textContent;
      slot.appendChild(go);
    }
    slot.hidden = false;
  });
})();
