// The API reference: Swagger UI rendering the API's own OpenAPI document. A file of its own, not
// an inline script, so that the dashboard's Content-Security-Policy (script-src 'self') holds here.
window.ui = SwaggerUIBundle({
  url: "/v1/openapi.json",
  dom_id: "#reference",
  deepLinking: true,
  // Nothing leaves this origin: no call to Swagger's public validator.
  validatorUrl: null,
  // "Try it out" sends the key typed into Authorize; never kept beyond the page.
  persistAuthorization: false,
});
