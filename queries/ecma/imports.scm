; Imports and requires: used for confidence (which SDK a file imports) and for
; resolving keys that are names imported from other scanned files.

(import_statement
  (import_clause
    (named_imports
      (import_specifier name: (identifier) @import.name alias: (identifier)? @import.local)))
  source: (string (string_fragment) @import.source))

(import_statement
  (import_clause (namespace_import (identifier) @import.namespace))
  source: (string (string_fragment) @import.source))

(import_statement
  (import_clause (identifier) @import.default)
  source: (string (string_fragment) @import.source))

(import_statement
  source: (string (string_fragment) @import.source))

(export_statement
  (export_clause (export_specifier name: (identifier) @import.name alias: (identifier)? @import.local))
  source: (string (string_fragment) @import.source))

(export_statement
  "*"
  source: (string (string_fragment) @import.source)
  (#set! reexport "all"))

(variable_declarator
  name: (identifier) @import.namespace
  value: (call_expression
    function: (identifier) @_require
    arguments: (arguments . (string (string_fragment) @import.source)))
  (#eq? @_require "require"))

(variable_declarator
  name: (object_pattern (shorthand_property_identifier_pattern) @import.name)
  value: (call_expression
    function: (identifier) @_require
    arguments: (arguments . (string (string_fragment) @import.source)))
  (#eq? @_require "require"))

(call_expression
  function: (identifier) @_require
  arguments: (arguments . (string (string_fragment) @import.source))
  (#eq? @_require "require"))

(call_expression
  function: (import)
  arguments: (arguments . (string (string_fragment) @import.source)))
