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

// Self-check questions: with this script, "Check answers" grades in place
// (the same form post, answered with JSON) instead of loading the page
// again, and the score is remembered in this browser beside the lesson's
// progress, so the course's outline and navigation can show quizzes passed.
// Without it, the form posts and the server answers with the graded page.
(function () {
  var KEY = "lectern-quizzes";
  var storage = null;
  try {
    storage = window.localStorage;
    storage.setItem(KEY + "-probe", "1");
    storage.removeItem(KEY + "-probe");
  } catch (e) {
    storage = null; // grading still works; nothing is remembered
  }
  function load() {
    if (!storage) return {};
    try { return JSON.parse(storage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function remember(lesson, quiz, right, total) {
    if (!storage) return;
    var all = load();
    all[lesson] = all[lesson] || {};
    all[lesson][quiz] = { right: right, total: total };
    try { storage.setItem(KEY, JSON.stringify(all)); } catch (e) { /* full */ }
  }
  // A lesson's quizzes are passed when every one checked here was all right.
  function passed(lesson) {
    var quizzes = load()[lesson];
    if (!quizzes) return false;
    var keys = Object.keys(quizzes);
    return keys.length > 0 && keys.every(function (k) {
      return quizzes[k].total > 0 && quizzes[k].right === quizzes[k].total;
    });
  }

  function lessonOf(form) {
    var action = form.getAttribute("action") || "";
    var at = action.indexOf("quiz/");
    return at === -1 ? null : action.slice(0, at);
  }

  function bind(form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.URLSearchParams || !window.FormData) return;
      event.preventDefault();
      var button = form.querySelector(".quiz-submit");
      if (button) button.setAttribute("aria-busy", "true");
      var url = form.getAttribute("action").split("#")[0];
      fetch(url, {
        method: "POST",
        headers: { "Accept": "application/json" },
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin"
      }).then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      }).then(function (answer) {
        var holder = document.createElement("div");
        holder.innerHTML = answer.html;
        var graded = holder.querySelector("form.quiz");
        if (!graded) throw new Error("no quiz in the answer");
        form.parentNode.replaceChild(graded, form);
        bind(graded);
        var lesson = lessonOf(graded);
        if (lesson) remember(lesson, String(answer.quiz), answer.right, answer.total);
        var score = graded.querySelector(".quiz-score");
        if (score) {
          score.setAttribute("tabindex", "-1");
          score.focus();
        }
        markPassed();
      }).catch(function () {
        // Anything unexpected: let the browser post the form itself.
        if (button) button.removeAttribute("aria-busy");
        form.submit();
      });
    });
  }
  document.querySelectorAll("form.quiz").forEach(bind);

  // Lessons whose quizzes were all answered right in this browser.
  function markPassed() {
    document.querySelectorAll("[data-progress-lesson]").forEach(function (item) {
      var lesson = item.getAttribute("data-progress-lesson");
      if (!passed(lesson) || item.querySelector(".quiz-passed")) return;
      var target = item.querySelector(".lesson-item-title, a") || item;
      if (target.tagName === "A" && target.parentNode) target = target.parentNode;
      var mark = document.createElement("span");
      mark.className = "quiz-passed";
      mark.textContent = " quiz passed";
      target.appendChild(mark);
    });
  }
  markPassed();
})();
