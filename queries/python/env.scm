; Environment gates: os.environ["X"], os.environ.get("X"), os.getenv("X"), and the same through
; `from os import environ, getenv` (only in files that import those names from os).

((subscript
   value: (attribute object: (identifier) @_os attribute: (identifier) @_environ)
   subscript: (_) @flag.key) @flag.read
 (#eq? @_os "os")
 (#eq? @_environ "environ")
 (#set! method "os.environ")
 (#set! confidence "high"))

((call
   function: (attribute
     object: (attribute object: (identifier) @_os attribute: (identifier) @_environ)
     attribute: (identifier) @_get)
   arguments: (argument_list) @flag.args) @flag.read
 (#eq? @_os "os")
 (#eq? @_environ "environ")
 (#eq? @_get "get")
 (#set! method "os.environ.get")
 (#set! key_arg "0")
 (#set! default_arg "1")
 (#set! confidence "high"))

((call
   function: (attribute object: (identifier) @_os attribute: (identifier) @_getenv)
   arguments: (argument_list) @flag.args) @flag.read
 (#eq? @_os "os")
 (#eq? @_getenv "getenv")
 (#set! method "os.getenv")
 (#set! key_arg "0")
 (#set! default_arg "1")
 (#set! confidence "high"))

((subscript
   value: (identifier) @_environ
   subscript: (_) @flag.key) @flag.read
 (#eq? @_environ "environ")
 (#set! method "os.environ")
 (#set! packages "os.environ")
 (#set! require_import "true"))

((call
   function: (attribute object: (identifier) @_environ attribute: (identifier) @_get)
   arguments: (argument_list) @flag.args) @flag.read
 (#eq? @_environ "environ")
 (#eq? @_get "get")
 (#set! method "os.environ.get")
 (#set! key_arg "0")
 (#set! default_arg "1")
 (#set! packages "os.environ")
 (#set! require_import "true"))

((call
   function: (identifier) @_getenv
   arguments: (argument_list) @flag.args) @flag.read
 (#eq? @_getenv "getenv")
 (#set! method "os.getenv")
 (#set! key_arg "0")
 (#set! default_arg "1")
 (#set! packages "os.getenv")
 (#set! require_import "true"))
