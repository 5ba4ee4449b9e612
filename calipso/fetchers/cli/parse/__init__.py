"""Pure parsers for the output of the shell commands the CLI fetchers run.

One module per command family. Every parser takes the command's stdout as one string and
returns frozen, slotted dataclasses (documented in each module) or lists of them. Parsers
do no I/O, no logging and read no settings; output they do not understand raises
``calipso.errors.ParseError(parser, line, reason)``.
"""
