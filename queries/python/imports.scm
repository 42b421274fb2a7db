; Python imports: `from m import X [as Y]`, `import m [as n]`. They may sit in any block (imports
; inside functions), so each pattern is anchored on the `import` keyword (see auditor/queries.py).

(import_from_statement
  module_name: [(dotted_name) (relative_import)] @import.source
  name: (dotted_name) @import.name
  (#set! anchor "import"))

(import_from_statement
  module_name: [(dotted_name) (relative_import)] @import.source
  name: (aliased_import name: (dotted_name) @import.name alias: (identifier) @import.local)
  (#set! anchor "import"))

(import_from_statement
  module_name: [(dotted_name) (relative_import)] @import.source
  (wildcard_import)
  (#set! reexport "all")
  (#set! anchor "import"))

(import_statement name: (dotted_name) @import.source @import.namespace
  (#set! anchor "import"))

(import_statement
  name: (aliased_import name: (dotted_name) @import.source alias: (identifier) @import.namespace)
  (#set! anchor "import"))
