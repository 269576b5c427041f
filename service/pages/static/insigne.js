// Progressive enhancement only: every page works without this script.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  if (!navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var field = document.getElementById(button.dataset.copy);
    navigator.clipboard.writeText(field.value).then(function () {
      var status = button.parentElement.querySelector(".copy-status");
      if (status) status.textContent = button.dataset.copied;
    });
  });
});
