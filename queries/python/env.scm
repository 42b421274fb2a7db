; Environment gates: os.environ["X"], os.environ.get("X"), os.getenv("X")

((subscript
   value: (attribute object: (identifier) @_os attribute: (identifier) @_environ)
   subscript: (_) @flag.key) @flag.read
 (#eq? @_os "os")
 (#eq? @_environ "environ")
 (#set! method "os.environ"))

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
 (#set! default_arg "1"))

((call
   function: (attribute object: (identifier) @_os attribute: (identifier) @_getenv)
   arguments: (argument_list) @flag.args) @flag.read
 (#eq? @_os "os")
 (#eq? @_getenv "getenv")
 (#set! method "os.getenv")
 (#set! key_arg "0")
 (#set! default_arg "1"))
