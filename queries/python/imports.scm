; Python imports: `from m import X [as Y]`, `import m [as n]`.

(import_from_statement
  module_name: [(dotted_name) (relative_import)] @import.source
  name: (dotted_name) @import.name)

(import_from_statement
  module_name: [(dotted_name) (relative_import)] @import.source
  name: (aliased_import name: (dotted_name) @import.name alias: (identifier) @import.local))

(import_from_statement
  module_name: [(dotted_name) (relative_import)] @import.source
  (wildcard_import)
  (#set! reexport "all"))

(import_statement name: (dotted_name) @import.source @import.namespace)

(import_statement
  name: (aliased_import name: (dotted_name) @import.source alias: (identifier) @import.namespace))
