"""Control characters in text typed or imported by users.

C0 control characters (U+0000–U+001F except tab, line feed and carriage return) and DEL have no place in the
text of a convention: office formats refuse them (an XLSX or DOCX with one cannot be written) and they hide
content. Every input refuses them with `reject_control_characters`; every export writes stored text through
`printable`, so that text stored before the rule cannot break a download.
"""

import re

from django.core.exceptions import ValidationError

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def find_control_character(text: str) -> int | None:
    """Position (0-based) of the first forbidden control character of `text`, or None."""
    match = CONTROL_CHARACTERS.search(text)
    return match.start() if match else None


def control_character_message(text: str) -> str | None:
    """The French reason to refuse `text`, naming the character and its position, or None when it is clean."""
    position = find_control_character(text)
    if position is None:
        return None
    return (
        f"caractère de contrôle invisible (code {ord(text[position]):#04x}) en position {position + 1} : "
        "supprimez-le (il vient souvent d'un copier-coller) puis enregistrez à nouveau."
    )


def reject_control_characters(value) -> None:
    """Validator for form and model fields: refuse a text holding a control character."""
    if not isinstance(value, str):
        return
    message = control_character_message(value)
    if message is not None:
        raise ValidationError(message[0].upper() + message[1:], code="control_character")


def printable(text: str) -> str:
    """`text` without its control characters, for writing stored text into exports."""
    return CONTROL_CHARACTERS.sub("", text) if text else text
