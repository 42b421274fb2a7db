; Classes whose static `Name`/`name` field names the tool they implement (JavaScript grammar):
; `class ReadFileTool { static Name = READ_FILE_TOOL_NAME }`, `var T = class _T { static Name = 'x' }`.

((class_declaration
   name: (identifier) @capability.class
   body: (class_body (field_definition property: (property_identifier) @_f value: (_) @capability.name)))
 (#any-of? @_f "Name" "toolName")
 (#set! kind "class_name"))

((variable_declarator
   name: (identifier) @capability.class
   value: (class body: (class_body (field_definition property: (property_identifier) @_f value: (_) @capability.name))))
 (#any-of? @_f "Name" "toolName")
 (#set! kind "class_name"))
