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
    block.insertBefore(button, block.querySelector(".code-scroll") || block.querySelector("pre"));
  });
})();


// Code blocks and tables scroll sideways when they are wider than their
// box. The box is in the tab order (so the arrow keys can scroll it) only
// while it does scroll; without this script every box is. Each box is
// measured when it comes near the window, so a long page is not laid out
// at once while it loads.
(function () {
  var boxes = document.querySelectorAll(".code-scroll, .table-scroll");
  if (!boxes.length || !("IntersectionObserver" in window)) return;
  var watch = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) return;
      var box = entry.target;
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
      } else {
        box.removeAttribute("tabindex");
      }
    });
  }, { rootMargin: "200px 0px" });
  boxes.forEach(function (box) { watch.observe(box); });
  // A new width: measure again (observing anew reports each box once more).
  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      boxes.forEach(function (box) { watch.unobserve(box); watch.observe(box); });
    });
  });
})();

// Drawers (details elements marked data-open-wide with a media query) stand
// open while the query holds: on wide screens they sit beside the text. The
// stylesheet shows their content there too, where the browser lets it.
(function () {
  if (!window.matchMedia) return;
  document.querySelectorAll("details[data-open-wide]").forEach(function (drawer) {
    var query = window.matchMedia(drawer.getAttribute("data-open-wide") || "(min-width: 64rem)");
    function apply() { drawer.open = query.matches; }
    apply();
    if (query.addEventListener) query.addEventListener("change", apply);
  });
  // Beside a long course, the current lesson is scrolled into the column's
  // view, once the page has been laid out for its first paint.
  var current = document.querySelector(".course-nav [aria-current='page']");
  var column = current && current.closest(".course-nav");
  if (!column) return;
  window.requestAnimationFrame(function () {
    window.setTimeout(function () {
      if (column.scrollHeight > column.clientHeight) {
        column.scrollTop = Math.max(0, current.offsetTop - column.clientHeight / 3);
      }
    }, 0);
  });
})();

// "On this page": the section being read is marked in the contents (and on
// the whole course's page, its lesson too) while the reader scrolls.
(function () {
  if (!("IntersectionObserver" in window)) return;
  document.querySelectorAll("[data-spy]").forEach(function (nav) {
    var pairs = [];
    nav.querySelectorAll("a[href^='#']").forEach(function (link) {
      var id = decodeURIComponent(link.getAttribute("href").slice(1));
      var target = id && document.getElementById(id);
      if (target) pairs.push({ link: link, target: target });
    });
    if (!pairs.length) return;
    var marked = [];
    // At the end of the page the last headings cannot reach the line: then
    // the last one in the window counts.
    var atEnd = false;
    function update() {
      // The last heading above a line a quarter down the window.
      var line = atEnd ? window.innerHeight : window.innerHeight / 4;
      var active = null;
      var best = -Infinity;
      pairs.forEach(function (pair) {
        var top = pair.target.getBoundingClientRect().top;
        if (top <= line && top > best) { best = top; active = pair.link; }
      });
      var next = [];
      if (active) {
        next.push(active);
        var item = active.closest(".course-nav-item");
        var lesson = item && item.querySelector(":scope > a");
        if (lesson && lesson !== active) next.push(lesson);
      }
      if (next.length === marked.length && next.every(function (l, i) { return l === marked[i]; })) return;
      marked.forEach(function (link) {
        link.classList.remove("is-active");
        link.removeAttribute("aria-current");
      });
      next.forEach(function (link) { link.classList.add("is-active"); });
      if (active) active.setAttribute("aria-current", "location");
      marked = next;
    }
    // The observer reports every heading once at the start (after the
    // page is laid out), then whenever one crosses the line.
    var observer = new IntersectionObserver(update, { rootMargin: "0px 0px -75% 0px" });
    pairs.forEach(function (pair) { observer.observe(pair.target); });
    var footer = document.querySelector(".site-footer");
    if (footer) {
      new IntersectionObserver(function (entries) {
        atEnd = entries[entries.length - 1].isIntersecting;
        update();
      }).observe(footer);
    }
  });
})();

// Learner progress, kept in this browser only (no account): "Mark as done"
// on lessons (then a link to the next one), ticks beside the lessons done,
// a progress bar per course, "Continue: <lesson>" on the course page and
// "Continue where you left off" on the home page. Everything it fills is
// hidden in the HTML, so without this script (or without storage) nothing
// half-works.
(function () {
  var KEY = "lectern-progress"; // { "/course/": ["/course/lesson/", …] }
  var RESUME = "lectern-resume"; // { "/course/": { url, title, course, at } }
  var storage;
  try {
    storage = window.localStorage;
    storage.setItem(KEY + "-probe", "1");
    storage.removeItem(KEY + "-probe");
  } catch (e) {
    return; // storage refused (private mode, settings): show nothing
  }

  function read(key) {
    try {
      var value = JSON.parse(storage.getItem(key));
      return value && typeof value === "object" ? value : {};
    } catch (e) { return {}; }
  }
  function write(key, value) {
    try { storage.setItem(key, JSON.stringify(value)); } catch (e) { /* full */ }
  }
  var progress = read(KEY);
  function doneIn(course) { return Array.isArray(progress[course]) ? progress[course] : []; }
  function isDone(course, lesson) { return doneIn(course).indexOf(lesson) !== -1; }

  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  document.body.appendChild(live);

  // The lessons a page lists for a course, in order: [{ item, url, title }].
  function listed(course) {
    var out = [];
    document.querySelectorAll("ol[data-progress-course]").forEach(function (list) {
      if (list.getAttribute("data-progress-course") !== course) return;
      list.querySelectorAll(":scope > li[data-progress-lesson]").forEach(function (item) {
        var link = item.querySelector("a");
        out.push({ item: item, url: item.getAttribute("data-progress-lesson"), title: link ? link.textContent.trim() : "" });
      });
    });
    return out;
  }

  // A tick (and the words "done" for screen readers) on each lesson done.
  function tick(course) {
    listed(course).forEach(function (lesson) {
      var done = isDone(course, lesson.url);
      lesson.item.classList.toggle("is-done", done);
      var link = lesson.item.querySelector("a");
      var note = link && link.querySelector(".done-note");
      if (done && link && !note) {
        note = document.createElement("span");
        note.className = "done-note visually-hidden";
        note.textContent = " (done)";
        link.appendChild(note);
      } else if (!done && note) {
        note.remove();
      }
    });
  }

  // Where to continue in a course after a visit to `lesson`: that lesson
  // while it is not done, else the first lesson not done after it (or
  // before it); nothing once every listed lesson is done.
  function remember(course, lesson) {
    var lessons = listed(course);
    if (!lessons.length) return;
    var at = 0;
    lessons.forEach(function (l, i) { if (l.url === lesson) at = i; });
    var order = lessons.slice(at).concat(lessons.slice(0, at));
    var next = null;
    for (var i = 0; i < order.length; i += 1) {
      if (!isDone(course, order[i].url)) { next = order[i]; break; }
    }
    var resume = read(RESUME);
    if (next) {
      var name = document.querySelector(".course-nav-title a");
      resume[course] = { url: next.url, title: next.title, course: name ? name.textContent.trim() : "", at: Date.now() };
    } else {
      delete resume[course];
    }
    write(RESUME, resume);
  }

  // Lesson page: the button, the link onward, the ticks beside the lesson.
  document.querySelectorAll(".progress-slot").forEach(function (slot) {
    var course = slot.getAttribute("data-progress-course");
    var lesson = slot.getAttribute("data-progress-lesson");
    var onward = slot.querySelector(".progress-next");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "mark-done";
    function show() {
      var done = isDone(course, lesson);
      button.setAttribute("aria-pressed", done ? "true" : "false");
      button.textContent = done ? "Done \u2713" : "Mark as done";
      if (onward) onward.hidden = !done;
      tick(course);
    }
    button.addEventListener("click", function () {
      var list = doneIn(course).slice();
      var at = list.indexOf(lesson);
      if (at === -1) { list.push(lesson); } else { list.splice(at, 1); }
      progress[course] = list;
      write(KEY, progress);
      remember(course, lesson);
      show();
      live.textContent = at === -1
        ? "Lesson marked as done." + (onward ? " " + onward.textContent + "." : "")
        : "Lesson marked as not done.";
    });
    slot.insertBefore(button, slot.firstChild);
    show();
    remember(course, lesson);
    slot.hidden = false;
  });

  // Ticks on any other list of a course's lessons (the whole course's page).
  document.querySelectorAll("ol.course-nav-list[data-progress-course]").forEach(function (list) {
    tick(list.getAttribute("data-progress-course"));
  });

  // Progress bars: on the course page (counting the lessons listed there)
  // and on the home page's cards.
  document.querySelectorAll(".course-progress").forEach(function (slot) {
    var course = slot.getAttribute("data-progress-course");
    var total = parseInt(slot.getAttribute("data-total"), 10) || 0;
    if (!total) return;
    var lessons = listed(course);
    var count = Math.min(doneIn(course).length, total);
    if (lessons.length) {
      tick(course);
      count = lessons.filter(function (l) { return isDone(course, l.url); }).length;
    }
    // Nothing to show before the first lesson is done.
    if (!count) return;
    var bar = document.createElement("progress");
    bar.max = total;
    bar.value = count;
    bar.setAttribute("aria-label", "Course progress");
    var text = document.createElement("span");
    text.className = "progress-text";
    text.textContent = count + " of " + total + " lessons done";
    slot.appendChild(bar);
    slot.appendChild(text);
    slot.hidden = false;
  });

  // Course page: "Start the course" becomes "Continue: <first lesson not
  // done>", or "Start again" once every lesson is done.
  document.querySelectorAll("a.start-link[data-start-course]").forEach(function (start) {
    var course = start.getAttribute("data-start-course");
    var lessons = listed(course);
    var done = lessons.filter(function (l) { return isDone(course, l.url); });
    if (!lessons.length || !done.length) return;
    var next = lessons.filter(function (l) { return !isDone(course, l.url); })[0];
    if (next) {
      start.href = next.url;
      start.textContent = "Continue: " + next.title;
    } else {
      start.textContent = "Start again";
    }
  });

  // Home page: the course worked in last, at the lesson to continue with.
  var card = document.querySelector(".resume");
  if (card) {
    // Only courses the home page still lists count.
    var bars = {};
    document.querySelectorAll(".course-card [data-progress-course]").forEach(function (bar) {
      bars[bar.getAttribute("data-progress-course")] = parseInt(bar.getAttribute("data-total"), 10) || 0;
    });
    var resume = read(RESUME);
    var latest = null;
    Object.keys(resume).forEach(function (course) {
      var entry = resume[course];
      if (!(course in bars) || !entry || typeof entry.url !== "string" || entry.url.charAt(0) !== "/") return;
      if (!latest || (entry.at || 0) > (latest.at || 0)) latest = { course: course, url: entry.url, title: entry.title, name: entry.course, at: entry.at };
    });
    if (latest) {
      var link = card.querySelector(".resume-link");
      link.href = latest.url;
      link.textContent = latest.title || latest.url;
      var total = bars[latest.course];
      var words = [];
      if (latest.name) words.push("In " + latest.name);
      if (total) words.push(Math.min(doneIn(latest.course).length, total) + " of " + total + " lessons done");
      card.querySelector(".resume-course").textContent = words.join(" \u00b7 ");
      card.hidden = false;
    }
  }
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
      var mark = document.createElement("span");
      mark.className = "quiz-passed";
      mark.textContent = " quiz passed";
      // After the lesson's title in the course outline, after its link in
      // the course navigation; nowhere else.
      var title = item.querySelector(".lesson-item-title");
      var link = item.querySelector(":scope > a");
      if (title) {
        title.appendChild(mark);
      } else if (link) {
        link.insertAdjacentElement("afterend", mark);
      }
    });
  }
  markPassed();
})();
