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
