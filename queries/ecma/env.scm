; Environment gates: process.env.X, process.env["X"], import.meta.env.X, const { X } = process.env
; Anchors: `process` only before `.env` (comments allowed between), `import.meta.env` at `meta`.

((member_expression
   object: (member_expression object: (identifier) @_process property: (property_identifier) @_env)
   property: (property_identifier) @flag.key) @flag.read
 (#eq? @_process "process")
 (#eq? @_env "env")
 (#set! anchor "process(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*\\??\\.(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*env(?![\\w$])")
 (#set! method "process.env")
 (#set! key_kind "name"))

((subscript_expression
   object: (member_expression object: (identifier) @_process property: (property_identifier) @_env)
   index: (_) @flag.key) @flag.read
 (#eq? @_process "process")
 (#eq? @_env "env")
 (#set! anchor "process(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*\\??\\.(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*env(?![\\w$])")
 (#set! method "process.env"))

((member_expression
   object: (member_expression object: (meta_property) property: (property_identifier) @_env)
   property: (property_identifier) @flag.key) @flag.read
 (#eq? @_env "env")
 (#set! anchor "meta")
 (#set! method "import.meta.env")
 (#set! key_kind "name"))

((variable_declarator
   name: (object_pattern
     [(shorthand_property_identifier_pattern) @flag.key
      (pair_pattern key: (property_identifier) @flag.key)] @flag.read)
   value: (member_expression object: (identifier) @_process property: (property_identifier) @_env))
 (#eq? @_process "process")
 (#eq? @_env "env")
 (#set! anchor "process(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*\\??\\.(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*env(?![\\w$])")
 (#set! method "process.env")
 (#set! key_kind "name"))
