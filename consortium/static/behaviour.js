// Small page behaviour, kept out of the templates: the Content-Security-Policy allows no inline
// script or event handler. Everything still works without JavaScript.
//   <form data-confirm="...">   asks for confirmation before it is sent
//   #error-summary              a refused form's summary takes the focus, so it is read first; its
//                               links move the focus to their field
// A table that scrolls sideways (phones) and holds no link or control is made focusable, so it can be
// scrolled with the arrow keys (WCAG 2.1.1).
function focusableScrollers() {
  document.querySelectorAll("main table, main .scroll").forEach(function (table) {
    var scrolls = table.scrollWidth > table.clientWidth + 1;
    if (scrolls && !table.querySelector("a, button, input, select, textarea")) {
      table.setAttribute("tabindex", "0");
    } else if (!scrolls && table.getAttribute("tabindex") === "0") {
      table.removeAttribute("tabindex");
    }
  });
}
window.addEventListener("resize", focusableScrollers);
document.addEventListener("DOMContentLoaded", focusableScrollers);
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    // each link reads as its field's label (the page may only know the field's name)
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      var field = document.getElementById(link.getAttribute("href").slice(1));
      var label = field && (field.labels && field.labels[0] ? field.labels[0].textContent : field.getAttribute("aria-label"));
      if (label && label.trim()) {
        link.textContent = label.trim();
      }
    });
    summary.focus();
    // a page reached at a #fragment would move the focus there once loaded: the summary keeps it
    if (window.location.hash) {
      window.addEventListener("load", function () { summary.focus(); });
    }
  }
});
// The skip link moves the focus to the main content without adding #main to the address, so a form
// posted from the page does not come back scrolled (and focused) past its error summary.
document.addEventListener("click", function (event) {
  var skip = event.target.closest && event.target.closest("a.skip");
  var main = skip && document.getElementById("main");
  if (main) {
    event.preventDefault();
    main.focus();
    main.scrollIntoView();
  }
});
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("#error-summary a[href^='#']");
  var field = link && document.getElementById(link.getAttribute("href").slice(1));
  if (field) {
    event.preventDefault();
    field.focus();
    field.scrollIntoView({block: "center"});
  }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
