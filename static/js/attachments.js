// The ticket page's attachments (R16): a file dropped on the upload form, or a screenshot pasted
// anywhere on the page (Ctrl+V), goes into the form's file field; "Hochladen" sends it. Without
// this script the file picker works as it is. No inline script: the CSP allows none.
(function () {
  "use strict";
  var form = document.querySelector("[data-attachment-upload]");
  if (!form) {
    return;
  }
  var input = form.querySelector("input[type=file]");
  var zone = form.querySelector("[data-drop-zone]");
  var chosen = form.querySelector("[data-chosen]");
  var submit = form.querySelector("button[type=submit]");

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function screenshotName(type) {
    var now = new Date();
    var extension = (type.split("/")[1] || "png").replace("jpeg", "jpg").replace(/[^a-z0-9]/g, "");
    return (chosen.dataset.screenshot || "Screenshot") + " " + now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) +
      " " + pad(now.getHours()) + pad(now.getMinutes()) + pad(now.getSeconds()) + "." + extension;
  }

  function show() {
    var file = input.files && input.files[0];
    chosen.textContent = file ? (chosen.dataset.text || "{name}").replace("{name}", file.name) : "";
  }

  function take(file) {
    var transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
    show();
    submit.focus();
  }

  input.addEventListener("change", show);

  zone.addEventListener("dragover", function (event) {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", function () {
    zone.classList.remove("dragging");
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("dragging");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) {
      take(files[0]);
    }
  });

  // A paste that carries a file (a screenshot from the clipboard); text pastes stay the field's.
  document.addEventListener("paste", function (event) {
    var items = (event.clipboardData && event.clipboardData.items) || [];
    for (var i = 0; i < items.length; i++) {
      if (items[i].kind === "file") {
        var file = items[i].getAsFile();
        if (!file) {
          continue;
        }
        event.preventDefault();
        var name = file.name && file.name !== "image.png" ? file.name : screenshotName(file.type || "image/png");
        take(new File([file], name, { type: file.type }));
        return;
      }
    }
  });
})();
