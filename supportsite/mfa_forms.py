"""allauth.mfa's code forms with a phone's digit keypad (MFA_FORMS in settings).

Authenticator codes and recovery codes are digits only; inputmode="numeric"
brings up the keypad, autocomplete="one-time-code" lets the phone offer the code.
"""

from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm

CODE_INPUT_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code"}


class _DigitKeypad:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(CODE_INPUT_ATTRS)


class CodeAuthenticateForm(_DigitKeypad, AuthenticateForm):
    pass


class CodeReauthenticateForm(_DigitKeypad, ReauthenticateForm):
    pass


class CodeActivateTOTPForm(_DigitKeypad, ActivateTOTPForm):
    pass
