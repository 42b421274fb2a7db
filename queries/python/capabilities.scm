; Capabilities in Python: Typer/click commands, click/Typer/argparse options, argparse
; subcommands, FastMCP tools, FastAPI/Flask routes, tool dicts.
; auditor/extract/capabilities.py reads each match according to its `kind` setting.

; Typer `@app.command()`, `@app.command("name", hidden=True)`, click `@cli.command()`, `@click.group()`
((decorated_definition
   (decorator [(call function: (attribute attribute: (identifier) @_m) arguments: (argument_list) @capability.args)
               (attribute attribute: (identifier) @_m)])
   definition: (function_definition name: (identifier) @capability.name)) @capability.registration
 (#any-of? @_m "command" "group")
 (#set! kind "command")
 (#set! framework "typer/click"))

; a bare command decorator: click's `@command()` imported by name, an agent's slash-command
; registry `@command("model", aliases=[…])`
((decorated_definition
   (decorator [(identifier) @_m
               (call function: (identifier) @_m arguments: (argument_list) @capability.args)])
   definition: (function_definition name: (identifier) @capability.name)) @capability.registration
 (#eq? @_m "command")
 (#set! kind "command")
 (#set! framework "decorator"))

; a command registered by name: `register_command("lesson", handler)`
((call
   function: [(identifier) @_m (attribute attribute: (identifier) @_m)]
   arguments: (argument_list . (string) @capability.name) @capability.args) @capability.registration
 (#eq? @_m "register_command")
 (#set! kind "command")
 (#set! framework "registry"))

; argparse `subparsers.add_parser('name', help=…)`
((call
   function: (attribute attribute: (identifier) @_m)
   arguments: (argument_list . (string) @capability.name) @capability.args) @capability.registration
 (#eq? @_m "add_parser")
 (#set! kind "command")
 (#set! framework "argparse"))

; `add_argument('--x', help=argparse.SUPPRESS)`, click `@click.option('--x', hidden=True)`, `typer.Option('--x')`
((call
   function: (attribute attribute: (identifier) @_m)
   arguments: (argument_list . (string) @capability.name) @capability.args) @capability.registration
 (#any-of? @_m "add_argument" "option" "Option")
 (#set! kind "option")
 (#set! framework "cli"))

; FastMCP `@mcp.tool()`, `@mcp.tool(name="x")`, `@server.tool`
((decorated_definition
   (decorator [(call function: (attribute attribute: (identifier) @_m) arguments: (argument_list) @capability.args)
               (attribute attribute: (identifier) @_m)])
   definition: (function_definition name: (identifier) @capability.name)) @capability.registration
 (#eq? @_m "tool")
 (#set! kind "tool")
 (#set! framework "fastmcp"))

; tool decorators of agent frameworks: `@tool`, `@tool("read_file")` (LangChain, smolagents, CrewAI,
; Strands), `@tool("greet", "Greet a user", {…})` (Claude Agent SDK), `@function_tool` (OpenAI
; Agents SDK), `@agent.tool_plain` (Pydantic AI); a decorator imported under another name ending in
; `_tool` (`from x import tool as sdk_tool`) counts too
((decorated_definition
   (decorator [(identifier) @_m
               (call function: (identifier) @_m arguments: (argument_list) @capability.args)
               (attribute attribute: (identifier) @_m)
               (call function: (attribute attribute: (identifier) @_m) arguments: (argument_list) @capability.args)])
   definition: (function_definition name: (identifier) @capability.name)) @capability.registration
 (#match? @_m "^(?:[a-z][a-z0-9]*_)?tool$|^function_tool$|^tool_plain$")
 (#not-eq? @_m "tool")
 (#not-eq? @_m "call_tool")
 (#set! anchor "@\\s*(?:[\\w.]*\\.)?(?:[a-z][a-z0-9]*_)?tool(?:_plain)?\\b|@\\s*(?:[\\w.]*\\.)?function_tool\\b")
 (#set! kind "tool")
 (#set! framework "decorator"))

; bare `@tool` / `@tool(…)` (an attribute `@mcp.tool` is FastMCP's, above)
((decorated_definition
   (decorator [(identifier) @_m
               (call function: (identifier) @_m arguments: (argument_list) @capability.args)])
   definition: (function_definition name: (identifier) @capability.name)) @capability.registration
 (#eq? @_m "tool")
 (#set! kind "tool")
 (#set! framework "decorator"))

; FastAPI `@app.get('/x')`, `@router.post('/x', include_in_schema=False)`, Flask `@app.route('/x', methods=[…])`
((decorated_definition
   (decorator (call
     function: (attribute attribute: (identifier) @capability.method)
     arguments: (argument_list . (string) @capability.name) @capability.args))) @capability.registration
 (#any-of? @capability.method "get" "post" "put" "patch" "delete" "head" "options" "route" "api_route" "websocket")
 (#set! anchor "(?:get|post|put|patch|delete|head|options|route|api_route|websocket)\\s*\\(\\s*[rRbBuUfF]*[\"']")
 (#set! kind "route")
 (#set! framework "fastapi/flask"))

; tool dicts: {"name": "search", "description": "…", "input_schema": {…}}
((dictionary
   (pair key: (string) @_k value: (string))) @capability.registration
 (#match? @_k "^['\"]name['\"]$")
 (#set! kind "object"))

; MCP low-level server: `types.Tool(name="search", description=…, inputSchema=…)`
((call
   function: [(identifier) @_c (attribute attribute: (identifier) @_c)]
   arguments: (argument_list (keyword_argument name: (identifier) @_k value: (string) @capability.name)) @capability.args) @capability.registration
 (#eq? @_c "Tool")
 (#eq? @_k "name")
 (#set! kind "tool")
 (#set! framework "mcp"))

; tool objects built by a constructor of a tool type: `ToolSpec(name="shell", desc=…, execute=…)`,
; `StructuredTool.from_function(func=…, name="x", description=…)`, `FunctionTool(name=…)`; a tool
; only with a description and a schema or handler among its keywords (decided in Python)
((call
   function: [(identifier) @_c (attribute attribute: (identifier) @_c)]
   arguments: (argument_list (keyword_argument name: (identifier) @_k value: (string) @capability.name)) @capability.args) @capability.registration
 (#match? @_c "^(?:[A-Z][A-Za-z0-9]*)?Tool(?:Spec|Def|Definition)$|^[A-Z][A-Za-z0-9]*Tool$|^from_function$")
 (#match? @_k "^name$")
 (#set! anchor "(?:Tool(?:Spec|Def|Definition)?|from_function)\\s*\\(")
 (#set! kind "tool")
 (#set! framework "constructor"))

; tool classes: `class SearchTool(BaseTool): name = "search"` (LangChain, CrewAI, smolagents); which
; classes are tools is decided by `tool_class` in capabilities.toml
((class_definition
   name: (identifier) @capability.class
   superclasses: (argument_list)
   body: (block (expression_statement (assignment left: (identifier) @_f right: (_) @capability.name)))) @capability.registration
 (#any-of? @_f "name" "Name")
 (#set! anchor "(?:name|Name)\\s*(?::[^=\\n]{1,80})?=[^=]")
 (#set! kind "class"))

; Typer sub-apps: `app.add_typer(task_app, name="task")` is the command group `task`
((call
   function: (attribute attribute: (identifier) @_m)
   arguments: (argument_list (keyword_argument name: (identifier) @_k value: (string) @capability.name)) @capability.args) @capability.registration
 (#eq? @_m "add_typer")
 (#eq? @_k "name")
 (#set! kind "command")
 (#set! framework "typer/click"))

; commands dispatched by method name: `do_<name>` methods of a `cmd.Cmd` subclass (the standard
; library's `cmd`: a command `foo` is recognised "if and only if it has a method do_foo()"), and
; `<prefix><name>` methods of a class that looks its own methods up by that prefix
; (`attr.startswith("cmd_")`, `getattr(self, f"cmd_{name}")`); which is decided in Python
((class_definition
   body: (block (function_definition name: (identifier) @capability.name) @capability.registration)) @capability.owner
 (#match? @capability.name "^(do|cmd|command)_[A-Za-z0-9_]+$")
 (#set! anchor "def\\s+(?:do|cmd|command)_\\w")
 (#set! kind "dispatch"))

; commands in a dispatch table: `ToolSpec(…, commands={"commit": handle_commit})`,
; `SLASH_COMMANDS = {"help": show_help, "undo": lambda: …}`: each string key whose value is a function
((keyword_argument
   name: (identifier) @_t
   value: (dictionary
     (pair key: (string) @capability.name value: [(identifier) (attribute) (lambda)]) @capability.registration))
 (#match? @_t "^(?:[A-Za-z]+_)?(?:commands|COMMANDS)$")
 (#set! anchor "(?:commands|COMMANDS)\\s*=\\s*\\{")
 (#set! kind "command")
 (#set! framework "table"))

((assignment
   left: (identifier) @_t
   right: (dictionary
     (pair key: (string) @capability.name value: [(identifier) (attribute) (lambda)]) @capability.registration))
 (#match? @_t "^(?:[A-Za-z]+_)?(?:commands|COMMANDS)$")
 (#set! anchor "(?:commands|COMMANDS)\\s*(?::[^=\\n]{1,80})?=\\s*\\{")
 (#set! kind "command")
 (#set! framework "table"))

; a command dispatcher's table: `def handle_magic_command(…): switch = {"help": handle_help, …}`
; (a `switch`/`dispatch`/`handlers` table counts only inside a function named for commands)
((assignment
   left: (identifier) @_t
   right: (dictionary
     (pair key: (string) @capability.name value: [(identifier) (attribute) (lambda)]) @capability.registration))
 (#match? @_t "^(?:switch|dispatch|handlers|actions)$")
 (#set! anchor "(?:switch|dispatch|handlers|actions)\\s*=\\s*\\{")
 (#set! kind "command")
 (#set! framework "table")
 (#set! within "command"))
