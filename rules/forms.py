from django import forms


class ModerationForm(forms.Form):
    """The note a moderator leaves when hiding or unhiding rules."""

    note = forms.CharField(
        label="Moderation note",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        required=False,
        max_length=2000,
        help_text="Why: shown to staff on each rule; not public.",
    )
