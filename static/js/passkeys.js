// Passkeys (django-otp-webauthn's own scripts do the ceremony): once a passkey is registered,
// continue where the page says (an element with data-passkey-done="<url>"), e.g. to the
// recovery codes after a first enrolment, or back to the account page.
document.addEventListener("otp_webauthn.register_complete", () => {
  const target = document.querySelector("[data-passkey-done]");
  if (target) {
    window.location.assign(target.dataset.passkeyDone);
  }
});
