"""The demo district: curated catalogue, generated enterprises and the loader."""
