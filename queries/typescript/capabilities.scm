; Classes whose static `Name`/`name` field names the tool they implement (TypeScript grammars):
; `class ReadFileTool { static readonly Name = READ_FILE_TOOL_NAME }`.

((class_declaration
   name: (type_identifier) @capability.class
   body: (class_body (public_field_definition name: (property_identifier) @_f value: (_) @capability.name)))
 (#any-of? @_f "Name" "toolName")
 (#set! kind "class_name"))

((variable_declarator
   name: (identifier) @capability.class
   value: (class body: (class_body (public_field_definition name: (property_identifier) @_f value: (_) @capability.name))))
 (#any-of? @_f "Name" "toolName")
 (#set! kind "class_name"))
