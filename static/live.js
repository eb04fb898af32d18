// Lectern live reload. Pages load this only while `lectern serve --watch`
// runs: it listens to /_lectern/live (server-sent events), reloads the page
// when the content changed, and while a changed file has errors shows them
// over the page (file, line, message) until they are fixed. It reconnects
// after the server restarts, and reloads then; a tab in the background
// disconnects until it is shown again.
"use strict";

(function () {
  var root = document.documentElement;
  // The server as last heard: its instance and how many syncs it announced.
  var seen = null;
  var source = null;
  var wait = 500;
  var panel = null;
  var hidden = false;

  function state(name) {
    root.setAttribute("data-live-reload", name);
  }

  function reload() {
    state("reloading");
    if (source) source.close();
    window.location.reload();
  }

  function read(event) {
    try {
      return JSON.parse(event.data);
    } catch (e) {
      return null;
    }
  }

  function style(el, rules) {
    for (var key in rules) el.style[key] = rules[key];
    return el;
  }

  function add(parent, tag, text, rules) {
    var el = document.createElement(tag);
    if (text) el.textContent = text;
    if (rules) style(el, rules);
    parent.appendChild(el);
    return el;
  }

  function where(problem) {
    return problem.line ? problem.path + ":" + problem.line : problem.path;
  }

  // The errors, over the page: built from text nodes only, so nothing in a
  // file name or message is ever read as HTML.
  function show(status) {
    if (panel) panel.remove();
    panel = null;
    var problems = status ? status.problems : [];
    if (!problems.length) return;
    state("problems");
    if (hidden) return;
    panel = style(document.createElement("section"), {
      position: "fixed", top: "0", left: "0", right: "0", zIndex: "2147483647",
      maxHeight: "70vh", overflow: "auto", boxSizing: "border-box",
      padding: "1rem 1.25rem", background: "#fff5f5", color: "#1a1a1a",
      borderBottom: "4px solid #b00020", boxShadow: "0 4px 16px rgba(0,0,0,.25)",
      font: "16px/1.5 system-ui, sans-serif", textAlign: "left"
    });
    panel.id = "lectern-live-problems";
    panel.setAttribute("role", "alert");
    var n = status.problems_total || problems.length;
    add(panel, "h2", n === 1 ? "A content file has an error" : n + " errors in the content files", {
      margin: "0 0 .25rem", font: "bold 1.25rem/1.3 system-ui, sans-serif", color: "#b00020"
    });
    add(panel, "p", "This page shows the last version that worked. Fix the file and save it: the page reloads by itself.", {
      margin: "0 0 .75rem"
    });
    var list = add(panel, "ul", "", { margin: "0", padding: "0", listStyle: "none" });
    problems.forEach(function (problem) {
      var item = add(list, "li", "", { margin: "0 0 .5rem" });
      item.className = "lectern-live-problem";
      add(item, "code", where(problem), {
        font: "bold .95rem/1.4 ui-monospace, monospace", background: "#ffe0e0", padding: "0 .25rem"
      });
      add(item, "span", " " + problem.message);
    });
    if (n > problems.length) {
      add(panel, "p", "… and " + (n - problems.length) + " more: lectern check lists them all.", { margin: "0" });
    }
    var close = add(panel, "button", "Hide", {
      marginTop: ".25rem", font: "inherit", padding: ".25rem .75rem", cursor: "pointer"
    });
    close.type = "button";
    close.addEventListener("click", function () {
      hidden = true;
      show(null);
      state("problems");
    });
    (document.body || root).appendChild(panel);
  }

  function connect() {
    // A tab in the background lets go of its connection: a browser keeps
    // only six per site, and a seventh page would wait for one.
    if (document.hidden || (source && source.readyState !== EventSource.CLOSED)) return;
    source = new EventSource("/_lectern/live");
    source.addEventListener("hello", function (event) {
      var now = read(event);
      if (!now) return;
      wait = 500;
      // Back after a restart or a dropped connection that missed a change.
      if (seen && (seen.instance !== now.instance || seen.generation !== now.generation)) {
        reload();
        return;
      }
      seen = { instance: now.instance, generation: now.generation };
      show(now);
      if (!now.problems.length) state("connected");
    });
    source.addEventListener("reload", reload);
    source.addEventListener("problems", function (event) {
      var now = read(event);
      if (!now || !seen) return;
      seen.generation = now.generation;
      // Pages did change: show them, then the errors (the next hello has them).
      if (now.changed.length) {
        reload();
        return;
      }
      hidden = false;
      show(now);
    });
    source.addEventListener("error", function () {
      state("reconnecting");
      // The browser retries by itself after a dropped connection; not after
      // an answer that is no event stream (a server starting up, or one
      // without --watch). Then try again, less and less often.
      if (source.readyState === EventSource.CLOSED) {
        window.setTimeout(connect, wait);
        wait = Math.min(wait * 2, 5000);
      }
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      if (source) source.close();
      state("paused");
    } else {
      // The hello says whether anything changed meanwhile.
      connect();
    }
  });

  connect();
})();
