// Keyboard shortcuts of every signed-in page (issue 11): "/" the search box, "n" a new call,
// "g" then a letter a page, "?" this list. Keys typed into a field are the field's, never a shortcut.
(function () {
  "use strict";
  var body = document.body;
  var help = document.getElementById("shortcuts");
  var pending = null; // "g" was pressed: the next key names the page

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function go(name) {
    var url = body.dataset[name];
    if (url) {
      window.location.assign(url);
    }
  }

  var pages = { d: "goDashboard", t: "goTickets", f: "goFollowUps", c: "goCustomers", p: "goProgramRequests" };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    if (help && help.open) {
      return; // the dialog closes with Escape by itself
    }
    if (pending) {
      var page = pages[event.key];
      pending = null;
      if (page) {
        event.preventDefault();
        go(page);
      }
      return;
    }
    if (event.key === "/") {
      event.preventDefault();
      document.getElementById("jump-q").focus();
    } else if (event.key === "n") {
      event.preventDefault();
      go("newCall");
    } else if (event.key === "g") {
      pending = "g";
    } else if (event.key === "?" && help) {
      event.preventDefault();
      help.showModal();
    }
  });

  if (help) {
    help.querySelector("button").addEventListener("click", function () {
      help.close();
    });
    document.querySelectorAll("[data-shortcuts]").forEach(function (button) {
      button.addEventListener("click", function () {
        help.showModal();
      });
    });
  }
})();
