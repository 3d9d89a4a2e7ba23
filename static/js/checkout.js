/* Checkout and pay pages: choosing a saved address hides the new-address fields (they are
 * ignored then); a submitted form's button shows it is busy and a second press sends nothing.
 * Without JavaScript both pages work as plain forms (the server ignores a double submit). */
(function () {
  "use strict";

  var select = document.getElementById("id_saved_address");
  var fields = document.getElementById("new-address");
  if (select && fields) {
    var sync = function () {
      fields.hidden = select.value !== "";
    };
    select.addEventListener("change", sync);
    sync();
  }

  var forms = document.querySelectorAll("form[data-busy-text]");
  Array.prototype.forEach.call(forms, function (form) {
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) {
        event.preventDefault();
        return;
      }
      sent = true;
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.setAttribute("aria-busy", "true");
        button.classList.add("is-busy");
        button.textContent = form.getAttribute("data-busy-text");
      }
    });
  });
})();
