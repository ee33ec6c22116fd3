"""The command-line sub-commands (``yichuang deadline``, ``sync``, ``queue`` …): each
module adds its commands to the parser (``add_cli``) and calls services."""
