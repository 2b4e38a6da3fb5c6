"""talentmarket: tested helpers behind the notebooks that check claims about the AI talent market."""
