"""talentmarket: tested helpers behind the notebooks that check claims about the AI talent market."""

import warnings

# pooch imports tqdm.auto for progress bars we never show; inside Jupyter without ipywidgets that import
# warns (with a machine path) in every notebook's first cell. The warning says nothing about our data.
warnings.filterwarnings("ignore", message="IProgress not found")
