; Capabilities in JavaScript / TypeScript: CLI commands and options, agent tools, HTTP routes,
; object literals (tools, slash commands, yargs command modules) and settings-schema entries.
; auditor/extract/capabilities.py reads each match according to its `kind` setting.

; commander / yargs: `.command('serve <port>', …)`, `.command('x', { hidden: true })`
((call_expression
   function: (member_expression property: (property_identifier) @_m)
   arguments: (arguments . [(string) (template_string)] @capability.name) @capability.args) @capability.registration
 (#eq? @_m "command")
 (#set! anchor "command\\s*\\(\\s*[\"'`]")
 (#set! kind "command")
 (#set! framework "cli"))

; commander `new Command('name')`
((new_expression
   constructor: (identifier) @_c
   arguments: (arguments . (string) @capability.name) @capability.args) @capability.registration
 (#eq? @_c "Command")
 (#set! kind "command")
 (#set! framework "commander"))

; commander `.option('-d, --debug', 'desc')`, `.requiredOption(…)`; yargs `.option('debug', { hidden: true })`
((call_expression
   function: (member_expression property: (property_identifier) @_m)
   arguments: (arguments . [(string) (template_string)] @capability.name) @capability.args) @capability.registration
 (#any-of? @_m "option" "requiredOption")
 (#set! anchor "(?:option|requiredOption)\\s*\\(\\s*[\"'`]")
 (#set! kind "option")
 (#set! framework "cli"))

; commander `new Option('--secret').hideHelp()`
((new_expression
   constructor: (identifier) @_c
   arguments: (arguments . (string) @capability.name) @capability.args) @capability.registration
 (#eq? @_c "Option")
 (#set! kind "option")
 (#set! framework "commander"))

; yargs `.hide('name')`: hides an option declared elsewhere
((call_expression
   function: (member_expression property: (property_identifier) @_m)
   arguments: (arguments . (string) @capability.name))
 (#eq? @_m "hide")
 (#set! kind "hide"))

; agent tool registries: `registerTool(tool)`, `registry.registerTool(new ReadFileTool())`,
; MCP `server.registerTool('name', {…}, handler)`
((call_expression
   function: [(identifier) @_m (member_expression property: (property_identifier) @_m)]
   arguments: (arguments . (_) @capability.name) @capability.args) @capability.registration
 (#any-of? @_m "registerTool" "addTool" "defineTool")
 (#set! kind "tool")
 (#set! framework "registry"))

; MCP TypeScript SDK `server.tool('name', …)`
((call_expression
   function: (member_expression property: (property_identifier) @_m)
   arguments: (arguments . [(string) (template_string)] @capability.name . (_)) @capability.args) @capability.registration
 (#eq? @_m "tool")
 (#set! anchor "tool\\s*\\(\\s*[\"'`]")
 (#set! kind "tool")
 (#set! framework "mcp"))

; express / fastify / koa-router / hono: `app.get('/path', handler)`
((call_expression
   function: (member_expression property: (property_identifier) @capability.method)
   arguments: (arguments . [(string) (template_string)] @capability.name . (_)) @capability.args) @capability.registration
 (#any-of? @capability.method "get" "post" "put" "patch" "delete" "del" "all" "options" "head")
 (#set! anchor "(?:get|post|put|patch|delete|del|all|options|head)\\s*\\(\\s*[\"'`]/")
 (#match? @capability.name "^./")
 (#set! kind "route")
 (#set! framework "http"))

; object literals with a `name` or `command` member
((object
   (pair
     key: [(property_identifier) (string)] @_k
     value: [(string) (template_string)])) @capability.registration
 (#any-of? @_k "name" "command" "\"name\"" "'name'" "\"command\"")
 (#set! anchor "(?:name|command)[\"']?\\s*:\\s*[\"'`]")
 (#set! kind "object"))

; object literals naming themselves through a constant: `{ name: GREP_TOOL_NAME, … }`,
; `{ name: ToolNames.GREP, … }` (the name resolves like a flag key)
((object
   (pair
     key: [(property_identifier) (string)] @_k
     value: [(identifier) (member_expression)])) @capability.registration
 (#any-of? @_k "name" "\"name\"" "'name'")
 (#set! anchor "name[\"']?\\s*:\\s*[A-Za-z_$]")
 (#set! kind "object"))

; settings schemas: `voiceMode: { type: 'boolean', category: 'Experimental', default: false, … }`
((pair
   key: [(property_identifier) (string)] @capability.name
   value: (object (pair key: (property_identifier) @_k)) @capability.options) @capability.registration
 (#any-of? @_k "showInDialog" "category")
 (#set! kind "setting"))

; tools keyed by their name (the Vercel AI SDK's `tools` object): `tools: { getWeather: tool({
; description, inputSchema, execute }) }`, `const tools = { getWeather: {…} }`, and entries a spread
; adds under a condition `...(c ? { runShell: tool({…}) } : {})`; a tool only when the entry's object
; has a tool's shape (decided in Python)
((pair
   key: [(property_identifier) (string)] @_t
   value: (object
     (pair
       key: [(property_identifier) (string)] @capability.name
       value: [(object) (call_expression arguments: (arguments . (object)))] @capability.options) @capability.registration))
 (#match? @_t "^[\"']?tools[\"']?$")
 (#set! anchor "tools[\"']?\\s*:\\s*\\{")
 (#set! kind "keyed_tool"))

((variable_declarator
   name: (identifier) @_t
   value: (object
     (pair
       key: [(property_identifier) (string)] @capability.name
       value: [(object) (call_expression arguments: (arguments . (object)))] @capability.options) @capability.registration))
 (#match? @_t "^(?:[A-Za-z_$][\\w$]*)?[tT]ools$")
 (#set! anchor "[tT]ools\\s*(?::[^=\\n]{1,80})?=\\s*\\{")
 (#set! kind "keyed_tool"))

((pair
   key: [(property_identifier) (string)] @_t
   value: (object
     (spread_element
       (parenthesized_expression
         (ternary_expression
           (object
             (pair
               key: [(property_identifier) (string)] @capability.name
               value: [(object) (call_expression arguments: (arguments . (object)))] @capability.options) @capability.registration))))))
 (#match? @_t "^[\"']?tools[\"']?$")
 (#set! anchor "tools[\"']?\\s*:\\s*\\{")
 (#set! kind "keyed_tool"))

; tools named by an `id` in a tool builder: Mastra's `createTool({ id: 'get-weather', description,
; inputSchema, execute })`
((call_expression
   function: [(identifier) @_f (member_expression property: (property_identifier) @_f)]
   arguments: (arguments . (object
     (pair key: (property_identifier) @_k value: (string) @capability.name)) @capability.options)) @capability.registration
 (#match? @_f "^(?:create|define|build|make)[A-Z]?[\\w$]*Tool$")
 (#match? @_k "^id$")
 (#set! anchor "(?:create|define|build|make)[\\w$]*Tool\\s*\\(")
 (#set! kind "keyed_tool"))
