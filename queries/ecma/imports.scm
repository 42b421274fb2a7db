; Imports and requires: used for confidence (which SDK a file imports) and for
; resolving keys that are names imported from other scanned files.

; ES module imports and exports are top-level statements: these patterns are rooted at `program`,
; so they run in one pass that only walks the top levels of the file (see auditor/queries.py).

; `import { X as Y } from "m"` and `export { X as Y } from "m"`: each specifier is matched without
; the statement's `source`, which the extractor reads from the enclosing statement. (A pattern that
; also captured `source:` would keep one in-progress match per specifier until `source` is reached:
; quadratic on bundles that import or re-export thousands of names in one statement.)
(program
  (import_statement
    (import_clause (named_imports (import_specifier name: (identifier) @import.name alias: (identifier)? @import.local)))))

(program
  (import_statement
    (import_clause (namespace_import (identifier) @import.namespace))
    source: (string (string_fragment) @import.source)))

(program
  (import_statement
    (import_clause (identifier) @import.default)
    source: (string (string_fragment) @import.source)))

(program
  (import_statement
    source: (string (string_fragment) @import.source)))

(program
  (export_statement
    (export_clause (export_specifier name: (identifier) @import.name alias: (identifier)? @import.local))))

(program
  (export_statement
    "*"
    source: (string (string_fragment) @import.source)
    (#set! reexport "all")))

(variable_declarator
  name: (identifier) @import.namespace
  value: (call_expression
    function: (identifier) @_require
    arguments: (arguments . (string (string_fragment) @import.source)))
  (#eq? @_require "require")
  (#set! anchor "require(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*\\((?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*[\"']"))

(variable_declarator
  name: (object_pattern (shorthand_property_identifier_pattern) @import.name)
  value: (call_expression
    function: (identifier) @_require
    arguments: (arguments . (string (string_fragment) @import.source)))
  (#eq? @_require "require")
  (#set! anchor "require(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*\\((?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*[\"']"))

(call_expression
  function: (identifier) @_require
  arguments: (arguments . (string (string_fragment) @import.source))
  (#eq? @_require "require")
  (#set! anchor "require(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*\\((?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*[\"']"))

; `import("m")` anywhere: the anchor is the expression a match must contain (see auditor/queries.py):
; `import` before `(` (or a comment), not every static import's keyword.
(call_expression
  function: (import)
  arguments: (arguments . (string (string_fragment) @import.source))
  (#set! anchor "import\\s*(?:\\(|/[*/])"))
