// Small page behaviour, kept out of the templates: the Content-Security-Policy allows no inline
// script or event handler. Everything still works without JavaScript.
//   <select data-autosubmit>    submits its form when changed (the co-op switcher)
//   <form data-confirm="...">   asks for confirmation before it is sent
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
    target.form.submit();
  }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
