from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from ctg.accounts.client_ip import client_ip
from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.accounts.proconnect import proconnect_required_for
from ctg.steering.models import ReminderKind
from ctg.territories.models import Commune
from ctg.www.forms import ControlCharactersFormMixin, FormMixinBase, form_field


class CommuneChoiceMixin(FormMixinBase):
    """A commune among the convention's engaged ones, read once for all the forms of a page."""

    def __init__(self, *args: Any, communes: Iterable[Commune], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._communes = {str(c.pk): c for c in communes}
        form_field(self, "commune", forms.ChoiceField).choices = [
            ("", "—"),
            *((str(c.pk), c.name) for c in communes),
        ]

    def clean_commune(self) -> Commune | None:
        return self._communes.get(self.cleaned_data.get("commune") or "")


class InvitationForm(CommuneChoiceMixin, ControlCharactersFormMixin, forms.Form):
    email = forms.EmailField(label="Adresse électronique", max_length=254)
    role = forms.ChoiceField(label="Rôle", choices=Role.choices, initial=Role.LECTEUR)
    commune = forms.ChoiceField(label="Commune (rôle « commune » seulement)", required=False)


class RoleForm(CommuneChoiceMixin, ControlCharactersFormMixin, forms.Form):
    role = forms.ChoiceField(label="Rôle", choices=Role.choices)
    commune = forms.ChoiceField(label="Commune", required=False)


class PublicationForm(ControlCharactersFormMixin, forms.Form):
    is_public = forms.BooleanField(label="Publier la page publique de la convention", required=False)


class InvitationAcceptForm(ControlCharactersFormMixin, forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
        return cleaned


class ProfileForm(ControlCharactersFormMixin, forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)


class AccountDeleteForm(ControlCharactersFormMixin, forms.Form):
    password = forms.CharField(
        label="Votre mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="Je comprends que mon compte sera supprimé définitivement et que je perdrai mes accès.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("Mot de passe incorrect.")
        return password


class LoginForm(AuthenticationForm):
    """The password login, refused to the members of an organisation that requires ProConnect."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Identifiant ou mot de passe incorrect. Vérifiez votre saisie.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Identifiant"
        self.fields["password"].label = "Mot de passe"

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if proconnect_required_for(user):
            security_event_record(
                kind=SecurityEventKind.LOGIN_FAILED,
                user=user,
                detail="mot de passe refusé : l'organisation impose ProConnect",
                ip_address=client_ip(self.request) if self.request is not None else None,
            )
            raise ValidationError(
                "Votre organisation impose la connexion par ProConnect : utilisez le bouton « S'identifier avec "
                "ProConnect ».",
                code="proconnect_required",
            )


class ProConnectLinkForm(ControlCharactersFormMixin, forms.Form):
    password = forms.CharField(
        label="Mot de passe de votre compte Pilote CTG",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ReminderPreferencesForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label="Rappels reçus par courriel",
        choices=ReminderKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Décochez un rappel pour ne plus le recevoir par courriel ; il reste dans « À faire » sur l'accueil."
        ),
    )
