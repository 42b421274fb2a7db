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

; Tool classes: `class ShellTool implements Tool { static readonly Name = SHELL_NAME; name = SHELL_NAME }`,
; `class ReadFileTool extends BaseDeclarativeTool { static Name = READ_FILE_TOOL_NAME }`. Which
; classes are tools is decided by the shapes in capabilities.toml (`tool_class`).
((class_declaration
   name: (type_identifier) @capability.class
   body: (class_body (public_field_definition name: (property_identifier) @_f value: (_) @capability.name))) @capability.registration
 (#any-of? @_f "Name" "name" "toolName")
 (#set! anchor "(?:Name|name|toolName)\\s*(?::[^=;\\n]{1,80})?=[^=>]")
 (#set! kind "class"))

((abstract_class_declaration
   name: (type_identifier) @capability.class
   body: (class_body (public_field_definition name: (property_identifier) @_f value: (_) @capability.name))) @capability.registration
 (#any-of? @_f "Name" "name" "toolName")
 (#set! anchor "(?:Name|name|toolName)\\s*(?::[^=;\\n]{1,80})?=[^=>]")
 (#set! kind "class"))

; Tool classes named by their constructor: `class UpdateTopicTool extends BaseDeclarativeTool {
; constructor(c: Config) { super(UPDATE_TOPIC_TOOL_NAME, …) } }` (no static `Name`).
((class_declaration
   name: (type_identifier) @capability.class
   (class_heritage)
   body: (class_body (method_definition name: (property_identifier) @_ctor
     body: (statement_block (expression_statement (call_expression function: (super)
       arguments: (arguments . (_) @capability.name))))))) @capability.registration
 (#eq? @_ctor "constructor")
 (#set! anchor "super")
 (#set! via "super")
 (#set! kind "class"))
