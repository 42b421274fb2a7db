; Imports and requires: used for confidence (which SDK a file imports) and for
; resolving keys that are names imported from other scanned files.

; `import { X as Y } from "m"` and `export { X as Y } from "m"`: each specifier is matched on its own
; and the extractor takes the module from the enclosing statement's `source`. (A pattern spanning the
; statement keeps one in-progress match per specifier until `source` is reached: quadratic on
; bundles that import or re-export thousands of names in one statement.)
(import_specifier name: (identifier) @import.name alias: (identifier)? @import.local)

(import_statement
  (import_clause (namespace_import (identifier) @import.namespace))
  source: (string (string_fragment) @import.source))

(import_statement
  (import_clause (identifier) @import.default)
  source: (string (string_fragment) @import.source))

(import_statement
  source: (string (string_fragment) @import.source))

(export_specifier name: (identifier) @import.name alias: (identifier)? @import.local)

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
