// Passkeys (WebAuthn) for the citizen pages. Everything else on these pages is plain forms.
// Buttons marked data-passkey="login|second|register" run one ceremony against this site's own
// JSON endpoints; the CSRF token travels in a header. Shown only where WebAuthn exists.
"use strict";
(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) return;
  document.querySelectorAll(".passkey-only").forEach(function (el) { el.hidden = false; });

  function b64u(buf) {
    var s = "", bytes = new Uint8Array(buf);
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function unb64u(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.message || ("HTTP " + r.status));
        return j;
      });
    });
  }
  function creationOptions(o) {
    return { publicKey: {
      challenge: unb64u(o.challenge),
      rp: { id: o.rp_id, name: o.rp_name },
      user: { id: unb64u(o.user_id), name: o.user_name, displayName: o.user_display_name },
      pubKeyCredParams: o.algorithms.map(function (a) { return { type: "public-key", alg: a }; }),
      excludeCredentials: o.credentials.map(function (c) { return { type: "public-key", id: unb64u(c) }; }),
      authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: o.user_verification },
      attestation: o.attestation, timeout: o.timeout_ms
    } };
  }
  function requestOptions(o) {
    return { publicKey: {
      challenge: unb64u(o.challenge), rpId: o.rp_id, timeout: o.timeout_ms,
      userVerification: o.user_verification,
      allowCredentials: o.credentials.map(function (c) { return { type: "public-key", id: unb64u(c) }; })
    } };
  }
  function assertion(o, cred) {
    var r = cred.response;
    return {
      challenge_id: o.challenge_id, credential_id: b64u(cred.rawId),
      client_data_json: b64u(r.clientDataJSON), authenticator_data: b64u(r.authenticatorData),
      signature: b64u(r.signature), user_handle: r.userHandle ? b64u(r.userHandle) : null
    };
  }
  var flows = {
    login: function (csrf) {
      return post("/citizen/webauthn/login/options", csrf).then(function (o) {
        return navigator.credentials.get(requestOptions(o)).then(function (cred) {
          return post("/citizen/webauthn/login", csrf, assertion(o, cred));
        });
      });
    },
    second: function (csrf) {
      return post("/citizen/webauthn/second/options", csrf).then(function (o) {
        return navigator.credentials.get(requestOptions(o)).then(function (cred) {
          return post("/citizen/webauthn/second", csrf, assertion(o, cred));
        });
      });
    },
    register: function (csrf) {
      var name = (document.getElementById("passkey-name") || {}).value || "";
      return post("/citizen/webauthn/register/options", csrf).then(function (o) {
        return navigator.credentials.create(creationOptions(o)).then(function (cred) {
          return post("/citizen/webauthn/register", csrf, {
            challenge_id: o.challenge_id, credential_id: b64u(cred.rawId),
            client_data_json: b64u(cred.response.clientDataJSON),
            attestation_object: b64u(cred.response.attestationObject), name: name
          });
        });
      });
    }
  };
  document.querySelectorAll("[data-passkey]").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = button.parentElement.querySelector("[data-passkey-error]");
      if (box) box.textContent = "";
      button.disabled = true;
      flows[button.dataset.passkey](button.dataset.csrf).then(function (j) {
        window.location.assign(j.next || "/citizen/");
      }).catch(function (e) {
        button.disabled = false;
        if (box) box.textContent = e.message || String(e);
      });
    });
  });
})();
