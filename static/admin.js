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
(function () {
  var form = document.querySelector("form[data-editor]");
  if (!form) return;
  var text = form.querySelector("#body_md");
  var layout = form.closest(".editor-layout");
  var preview = document.getElementById("editor-preview");
  var previewBody = preview.querySelector(".lesson-body");
  var problems = preview.querySelector(".preview-problems");
  var status = document.getElementById("editor-status");
  var saveButton = document.querySelector("button[form='lesson-form'][value='save']");
  var previewButton = document.querySelector("button[form='lesson-form'][value='preview']");
  var toggle = document.querySelector(".editor-toggle");
  var mac = /Mac|iPhone|iPad/.test(navigator.platform || "");

  // The form's fields as the server reads them, with the action it asks for.
  function fields(action) {
    var data = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") data.append(name, value);
    });
    data.set("action", action);
    return data;
  }
  function post(url, data, signal) {
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin", signal: signal,
      headers: { Accept: "application/json" },
    });
  }
  function say(message) { status.textContent = message; }
  var localKey = "lectern-editor:" + form.dataset.draftKey;
  function keepLocally(data) {
    try {
      localStorage.setItem(localKey, JSON.stringify({ fields: data, at: new Date().toISOString() }));
    } catch (e) { /* storage full or refused: the page still holds the text */ }
  }
  function forgetLocally() { try { localStorage.removeItem(localKey); } catch (e) { /* nothing kept */ } }
  // The server would not take a request: an ended session (401) or a login
  // changed in another tab (403). The text stays here and in this browser.
  function refused(res, answer) {
    keepLocally(snapshot());
    say(res.status === 401 ? answer.error
      : "Your login changed in another tab. Your text is kept in this browser: reload this page to go on.");
  }

  // ---- Live preview: rendered by the server as the public page is, shortly
  // after typing stops; only the answer to the latest request is shown.
  // While it fails, the Preview button posts the form as without a script
  // (an ended session then gets the login form that keeps the text).
  var sent = 0, inFlight = null, previewTimer = null, live = true;
  function refreshPreview() {
    var mine = ++sent;
    if (inFlight) inFlight.abort();
    inFlight = window.AbortController ? new AbortController() : null;
    post(form.dataset.previewUrl, fields("preview"), inFlight && inFlight.signal)
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (answer) {
          if (res.status === 401 || res.status === 403) refused(res, answer);
          if (!res.ok) throw new Error(String(res.status));
          return answer;
        });
      })
      .then(function (answer) {
        if (mine !== sent) return;
        live = true;
        previewBody.innerHTML = answer.html; // sanitised by the server's pipeline
        problems.replaceChildren();
        answer.problems.forEach(function (p) {
          var li = document.createElement("li");
          li.textContent = p;
          problems.appendChild(li);
        });
        problems.hidden = answer.problems.length === 0;
      })
      .catch(function (e) {
        if (mine === sent && e.name !== "AbortError") {
          live = false;
          if (e.message !== "401" && e.message !== "403") {
            say("The preview could not be updated. Press Preview to see it on a new page.");
          }
        }
      });
  }
  function previewSoon() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 400);
  }
  // A preview the server rendered (Preview pressed while the live one
  // failed) is what the editor asked to see, on a narrow screen too.
  var asked = !preview.hidden;
  layout.classList.add("live", "with-preview");
  preview.hidden = false;
  text.addEventListener("input", previewSoon);
  form.querySelector("#course_id").addEventListener("change", previewSoon);
  refreshPreview();

  // Narrow screens: one pane at a time, switched by the toggle.
  function showPreview(on) {
    layout.classList.toggle("showing-preview", on);
    toggle.textContent = on ? "Show text" : "Show preview";
  }
  toggle.hidden = false;
  if (asked) showPreview(true);
  toggle.addEventListener("click", function () {
    showPreview(!layout.classList.contains("showing-preview"));
  });
  // Preview stays on the page: the live preview, refreshed now.
  previewButton.addEventListener("click", function (event) {
    if (!live) return;
    event.preventDefault();
    clearTimeout(previewTimer);
    refreshPreview();
    if (window.matchMedia("(max-width: 59.99rem)").matches) showPreview(true);
    preview.scrollTop = 0;
  });

  // ---- Toolbar and shortcuts. Edits go through insertText where the
  // browser has it, so Ctrl+Z undoes them like typing.
  function replaceSelection(insert, selectFrom, selectTo) {
    var start = text.selectionStart;
    text.focus();
    var done = false;
    try { done = document.execCommand("insertText", false, insert); } catch (e) { done = false; }
    if (!done) {
      text.setRangeText(insert, text.selectionStart, text.selectionEnd, "end");
      text.dispatchEvent(new Event("input", { bubbles: true }));
    }
    text.setSelectionRange(start + selectFrom, start + selectTo);
  }
  function selected() { return text.value.slice(text.selectionStart, text.selectionEnd); }
  function wrap(before, after, placeholder) {
    var inner = selected() || placeholder;
    replaceSelection(before + inner + after, before.length, before.length + inner.length);
  }
  // Widens the selection to whole lines and rewrites each of them.
  function eachLine(change, placeholder) {
    var value = text.value, from = text.selectionStart, to = text.selectionEnd;
    if (to > from && value[to - 1] === "\n") to -= 1; // whole lines selected
    var start = from === 0 ? 0 : value.lastIndexOf("\n", from - 1) + 1;
    var end = value.indexOf("\n", to);
    if (end === -1) end = value.length;
    text.setSelectionRange(start, end);
    var lines = (value.slice(start, end) || placeholder).split("\n");
    var result = lines.map(change).join("\n");
    replaceSelection(result, 0, result.length);
  }
  var formats = {
    heading: function () {
      eachLine(function (line) { return /^#{1,5} /.test(line) ? "#" + line : "## " + line.replace(/^#{6} /, ""); }, "Heading");
    },
    bold: function () { wrap("**", "**", "bold text"); },
    italic: function () { wrap("_", "_", "italic text"); },
    link: function () {
      var label = selected() || "link text";
      var before = "[" + label + "](";
      replaceSelection(before + "url)", before.length, before.length + 3);
    },
    code: function () {
      if (selected().indexOf("\n") === -1) return wrap("`", "`", "code");
      var atLineStart = text.selectionStart === 0 || text.value[text.selectionStart - 1] === "\n";
      wrap((atLineStart ? "" : "\n") + "```\n", "\n```\n", "");
    },
    list: function () { eachLine(function (line) { return "- " + line; }, "List item"); },
    callout: function () {
      eachLine(function (line, i) { return (i === 0 ? "> [!NOTE]\n" : "") + "> " + line; }, "A note for the reader.");
    },
  };
  var toolbar = form.querySelector(".editor-toolbar");
  toolbar.hidden = false;
  toolbar.querySelectorAll("button[data-format]").forEach(function (button) {
    if (mac) button.title = button.title.replace("Ctrl+", "⌘");
    button.addEventListener("click", function () { formats[button.dataset.format](); });
  });
  if (mac) saveButton.title = saveButton.title.replace("Ctrl+", "⌘");
  var keys = { b: "bold", i: "italic", k: "link" };
  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    var key = event.key.toLowerCase();
    if (key === "s") {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(saveButton); else saveButton.click();
    } else if (keys[key] && event.target === text) {
      event.preventDefault();
      formats[keys[key]]();
    }
  });

  // ---- The slug follows the title on a new lesson until typed by hand.
  var slug = form.querySelector("input[data-suggest-from]");
  if (slug) {
    var title = form.querySelector("#title");
    var spelled = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th" };
    var slugify = function (s) {
      return s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
        .replace(/[ßæœøłđðþ]/g, function (c) { return spelled[c]; })
        .replace(/[^a-z0-9]+/g, "-").slice(0, 100).replace(/^-+|-+$/g, "");
    };
    var byHand = slug.value !== "" && slug.value !== slugify(title.value);
    title.addEventListener("input", function () { if (!byHand) slug.value = slugify(title.value); });
    slug.addEventListener("input", function () { byHand = slug.value !== ""; });
  }

  // ---- Autosave: the form is kept on the server as this editor's private
  // draft 3 s after typing stops (at the latest every 10 s while typing).
  // When the server cannot take it (session ended), this browser keeps it.
  // The form without its token: what is compared and kept in this browser.
  function snapshot() {
    var data = fields("autosave");
    data.delete("csrf");
    return data.toString();
  }
  var lastKept = snapshot();
  var idleTimer = null, maxTimer = null, saving = false, again = false;
  function clock(iso) { return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }
  function autosave() {
    clearTimeout(idleTimer);
    clearTimeout(maxTimer);
    maxTimer = null;
    var data = snapshot();
    if (data === lastKept) return;
    if (saving) { again = true; return; }
    saving = true;
    var body = new URLSearchParams(data);
    body.set("csrf", form.elements.namedItem("csrf").value);
    post(form.dataset.autosaveUrl, body)
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (answer) {
          if (res.ok) {
            lastKept = data;
            forgetLocally();
            say("Saved as draft at " + clock(answer.saved_at));
          } else if (res.status === 401 || res.status === 403) {
            refused(res, answer);
          } else {
            say(answer.error || "Not saved as a draft: the server refused it. Your text is still here.");
          }
        });
      })
      .catch(function () {
        keepLocally(data);
        say("Not saved as a draft: the server did not answer. Your text is kept in this browser.");
      })
      .then(function () {
        saving = false;
        if (again) { again = false; autosaveSoon(); }
      });
  }
  function autosaveSoon() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(autosave, 3000);
    if (!maxTimer) maxTimer = setTimeout(autosave, 10000);
  }
  form.addEventListener("input", autosaveSoon);
  form.addEventListener("change", autosaveSoon);
  form.addEventListener("submit", function () {
    clearTimeout(idleTimer);
    clearTimeout(maxTimer);
  });

  // Text this browser kept when the server could not take it: offered back.
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(localKey) || "null"); } catch (e) { kept = null; }
  if (kept && kept.fields === lastKept) forgetLocally();
  else if (kept && kept.fields) offerKept(kept);
  function offerKept(kept) {
    var box = document.createElement("div");
    box.className = "alert alert-warning draft-offer";
    box.setAttribute("role", "status");
    var p = document.createElement("p");
    p.textContent = "This browser kept unsaved text from " + clock(kept.at) + ", when the server could not take it.";
    var actions = document.createElement("div");
    actions.className = "actions";
    var restore = document.createElement("button");
    restore.type = "button";
    restore.textContent = "Put it back in the form";
    var forget = document.createElement("button");
    forget.type = "button";
    forget.className = "button-secondary";
    forget.textContent = "Forget it";
    actions.append(restore, forget);
    box.append(p, actions);
    document.querySelector(".editor").before(box);
    restore.addEventListener("click", function () {
      new URLSearchParams(kept.fields).forEach(function (value, name) {
        var field = form.elements.namedItem(name);
        if (field && name !== "action" && "value" in field) field.value = value;
      });
      box.remove();
      say("Your kept text is back in the form, not saved yet.");
      refreshPreview();
      autosaveSoon();
    });
    forget.addEventListener("click", function () { forgetLocally(); box.remove(); });
  }
  window.lecternEditorReady = true;
})();

// == Images: drop, paste, insert; reordering by drag and drop (images work)

// Images into the editor's text: an image dropped or pasted into #body_md is
// uploaded (after its alt text is asked for) and its markdown put at the
// cursor; each image in the panel gets an Insert button.
(function () {
  var text = document.getElementById("body_md");
  var panel = document.querySelector("[data-images-panel]");
  if (!text || !panel) return;
  var dialog = panel.querySelector(".alt-dialog");
  var altInput = dialog && dialog.querySelector("input");
  var status = panel.querySelector(".image-status");
  var csrf = document.querySelector("form.lesson-form input[name=csrf]");
  if (!dialog || typeof dialog.showModal !== "function" || !csrf) return;
  panel.querySelectorAll(".js-only, .insert-image").forEach(function (el) { el.hidden = false; });

  var say = function (message) { status.textContent = message; };

  // Puts `markdown` in place of the text from `start` to `end`, keeps the
  // cursor after it, and tells other scripts (preview, autosave) it changed.
  var replaceRange = function (start, end, markdown) {
    text.setRangeText(markdown, start, end, "end");
    text.dispatchEvent(new Event("input", { bubbles: true }));
  };

  // An image is a paragraph of its own: blank lines around `markdown`
  // where the text at `start`..`end` does not have them already.
  var ownParagraph = function (start, end, markdown) {
    var before = text.value.slice(0, start), after = text.value.slice(end);
    var pre = before === "" || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
    var post = /^\n\n/.test(after) ? "" : /^\n/.test(after) || after === "" ? "\n" : "\n\n";
    return pre + markdown + post;
  };

  // Asks for alt text; resolves to the text, or null when cancelled.
  var askAlt = function (label, initial) {
    return new Promise(function (resolve) {
      dialog.querySelector(".alt-dialog-image").textContent = label;
      altInput.value = initial || "";
      dialog.returnValue = "";
      var done = function () {
        dialog.removeEventListener("close", done);
        resolve(dialog.returnValue === "ok" ? altInput.value.trim() : null);
      };
      dialog.addEventListener("close", done);
      dialog.showModal();
      altInput.focus();
    });
  };
  dialog.querySelector("[data-cancel]").addEventListener("click", function () { dialog.close("cancel"); });

  // One image at a time: ask, show a placeholder, upload, replace it.
  var uploadOne = async function (file, at) {
    var alt = await askAlt("Image: " + file.name, "");
    if (!alt) { say("Not uploaded: " + file.name + " needs alt text."); text.focus(); return at; }
    var placeholder = "![Uploading " + file.name.replace(/[\[\]]/g, "") + "…]()";
    text.focus();
    text.setSelectionRange(at, at);
    var inserted = ownParagraph(at, at, placeholder);
    replaceRange(at, at, inserted);
    say("Uploading " + file.name + "…");
    var body = new FormData();
    body.append("csrf", csrf.value);
    body.append("alt", alt);
    body.append("file", file, file.name);
    var reply = { error: "The upload did not reach the server. Check the connection and try again." };
    try {
      var res = await fetch(panel.dataset.uploadUrl, { method: "POST", body: body, headers: { Accept: "application/json" } });
      // Anything but JSON is the login page: the session has ended.
      reply = await res.json().catch(function () {
        return { error: "Your session has ended. Log in again in another tab, then drop the image again." };
      });
    } catch (e) { /* keep the message above */ }
    // Replace the placeholder with the image, or take it out (with the
    // blank lines it brought) when the upload was refused.
    var gone = reply.markdown ? placeholder : inserted;
    var where = text.value.indexOf(gone);
    if (where < 0) { gone = placeholder; where = text.value.indexOf(gone); }
    if (where >= 0) replaceRange(where, where + gone.length, reply.markdown || "");
    say(reply.markdown ? "Inserted " + file.name + "." : "Not uploaded: " + reply.error);
    return where >= 0 ? text.selectionEnd : at;
  };

  var uploadAll = async function (files) {
    var at = text.selectionStart;
    for (var i = 0; i < files.length; i++) at = await uploadOne(files[i], at);
  };

  var images = function (list) {
    return Array.prototype.filter.call(list || [], function (f) { return /^image\//.test(f.type); });
  };
  text.addEventListener("dragover", function (event) {
    if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) event.preventDefault();
  });
  text.addEventListener("drop", function (event) {
    var files = images(event.dataTransfer && event.dataTransfer.files);
    if (files.length === 0) return;
    event.preventDefault();
    uploadAll(files);
  });
  text.addEventListener("paste", function (event) {
    var files = images(event.clipboardData && event.clipboardData.files);
    if (files.length === 0) return;
    event.preventDefault();
    uploadAll(files);
  });

  panel.querySelectorAll(".insert-image").forEach(function (button) {
    button.addEventListener("click", async function () {
      var start = text.selectionStart, end = text.selectionEnd;
      var alt = await askAlt("Image: " + button.dataset.name, button.dataset.alt);
      text.focus();
      if (!alt) { say("Nothing inserted: an image needs alt text."); return; }
      text.setSelectionRange(start, end);
      var markdown = "![" + alt.replace(/[\[\]\n]/g, " ") + "](" + button.dataset.url + ")";
      replaceRange(start, end, ownParagraph(start, end, markdown));
      say("Inserted " + button.dataset.name + ".");
    });
  });
})();

// Reordering: rows of a table[data-reorder] can be dragged onto another
// row; each row's "move to position" form is sent without a reload too. The
// server answers with the new order, which the rows then follow.
(function () {
  document.querySelectorAll("table[data-reorder]").forEach(function (table) {
    var body = table.tBodies[0];
    var live = document.querySelector(table.dataset.reorderStatus);
    var say = function (message) { if (live) live.textContent = message; };
    var rows = function () { return Array.prototype.slice.call(body.querySelectorAll("tr[data-id]")); };

    var send = async function (form, position) {
      var data = new FormData(form);
      data.set("position", String(position));
      var res, reply;
      try {
        res = await fetch(form.action, { method: "POST", body: new URLSearchParams(data), headers: { Accept: "application/json" } });
        reply = await res.json();
      } catch (e) {
        reply = { error: "The new order was not saved. Reload the page and try again." };
      }
      if (!reply.order) { say(reply.error || "The new order was not saved."); return; }
      var byId = {};
      rows().forEach(function (row) { byId[row.dataset.id] = row; });
      reply.order.forEach(function (id, i) {
        var row = byId[String(id)];
        if (!row) return;
        body.appendChild(row);
        row.querySelector("input[name=position]").value = i + 1;
        row.dataset.position = i + 1;
        var shown = row.querySelector(".position");
        if (shown) shown.textContent = i + 1;
      });
      say(reply.message);
    };

    rows().forEach(function (row) {
      var form = row.querySelector("form.move-to");
      if (!form) return;
      row.draggable = true;
      row.classList.add("draggable");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        send(form, form.querySelector("input[name=position]").value);
      });
      row.addEventListener("dragstart", function (event) {
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", row.dataset.id);
        row.classList.add("dragging");
      });
      row.addEventListener("dragend", function () { row.classList.remove("dragging"); });
      row.addEventListener("dragover", function (event) { event.preventDefault(); row.classList.add("drop-target"); });
      row.addEventListener("dragleave", function () { row.classList.remove("drop-target"); });
      row.addEventListener("drop", function (event) {
        event.preventDefault();
        row.classList.remove("drop-target");
        var dragged = body.querySelector("tr[data-id='" + event.dataTransfer.getData("text/plain") + "']");
        if (!dragged || dragged === row) return;
        send(dragged.querySelector("form.move-to"), row.dataset.position);
      });
    });
  });
})();

// == Confirmations and small page helpers (polish work)
