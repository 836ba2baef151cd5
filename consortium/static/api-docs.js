// Starts Swagger UI on the API docs page (kept out of the template: the CSP allows no inline script).
(function () {
  var target = document.getElementById("swagger-ui");
  if (!target || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: target.getAttribute("data-spec-url"),
    domNode: target,
    deepLinking: true,
    defaultModelsExpandDepth: 1,
    docExpansion: "list",
    filter: true,
    tryItOutEnabled: false,
    persistAuthorization: false
  });
})();
