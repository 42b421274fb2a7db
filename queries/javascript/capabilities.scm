; Classes whose static `Name`/`name` field names the tool they implement (JavaScript grammar):
; `class ReadFileTool { static Name = READ_FILE_TOOL_NAME }`, `var T = class _T { static Name = 'x' }`.

((class_declaration
   name: (identifier) @capability.class
   body: (class_body (field_definition property: (property_identifier) @_f value: (_) @capability.name)))
 (#any-of? @_f "Name" "toolName")
 (#set! anchor "(?:Name|toolName)(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*=[^=>]")
 (#set! kind "class_name"))

((variable_declarator
   name: (identifier) @capability.class
   value: (class body: (class_body (field_definition property: (property_identifier) @_f value: (_) @capability.name))))
 (#any-of? @_f "Name" "toolName")
 (#set! anchor "(?:Name|toolName)(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*=[^=>]")
 (#set! kind "class_name"))

; Tool classes: `class ReadFileTool extends BaseDeclarativeTool { static Name = READ_FILE_TOOL_NAME }`,
; `var ShellTool = class extends Base { name = SHELL_NAME }`. Which classes are tools is decided by the
; shapes in capabilities.toml (`tool_class`).
((class_declaration
   name: (identifier) @capability.class
   body: (class_body (field_definition property: (property_identifier) @_f value: (_) @capability.name))) @capability.registration
 (#any-of? @_f "Name" "name" "toolName")
 (#set! anchor "(?:Name|name|toolName)\\s*=[^=>]")
 (#set! kind "class"))

((variable_declarator
   name: (identifier) @capability.class
   value: (class body: (class_body (field_definition property: (property_identifier) @_f value: (_) @capability.name)))) @capability.registration
 (#any-of? @_f "Name" "name" "toolName")
 (#set! anchor "(?:Name|name|toolName)\\s*=[^=>]")
 (#set! kind "class"))

((assignment_expression
   left: (identifier) @capability.class
   right: (class body: (class_body (field_definition property: (property_identifier) @_f value: (_) @capability.name)))) @capability.registration
 (#any-of? @_f "Name" "name" "toolName")
 (#set! anchor "(?:Name|name|toolName)\\s*=[^=>]")
 (#set! kind "class"))

; Tool classes named by their constructor: `var UpdateTopicTool = class extends BaseDeclarativeTool {
; constructor(c) { super(UPDATE_TOPIC_TOOL_NAME, …) } }` (no static `Name`; the first argument of
; `super(…)` is the tool's name). Also names `registerTool(new UpdateTopicTool())` in the same file.
((variable_declarator
   name: (identifier) @capability.class
   value: (class (class_heritage)
     body: (class_body (method_definition name: (property_identifier) @_ctor
       body: (statement_block (expression_statement (call_expression function: (super)
         arguments: (arguments . (_) @capability.name)))))))) @capability.registration
 (#eq? @_ctor "constructor")
 (#set! anchor "super")
 (#set! via "super")
 (#set! kind "class"))

((class_declaration
   name: (identifier) @capability.class
   (class_heritage)
   body: (class_body (method_definition name: (property_identifier) @_ctor
     body: (statement_block (expression_statement (call_expression function: (super)
       arguments: (arguments . (_) @capability.name))))))) @capability.registration
 (#eq? @_ctor "constructor")
 (#set! anchor "super")
 (#set! via "super")
 (#set! kind "class"))
