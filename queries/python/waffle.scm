; django-waffle flags, switches and samples (https://waffle.readthedocs.io/)
; flag_is_active(request, name); switch_is_active(name); @waffle_flag('name') decorators are calls too.

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "flag_is_active")
 (#set! key_arg "1"))

((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "switch_is_active" "sample_is_active")
 (#set! key_arg "0"))

; `@waffle_flag("!name")` / `@waffle_switch("!name")`: the view runs while the flag is OFF.
((call
   function: [(identifier) @flag.method
              (attribute attribute: (identifier) @flag.method)]
   arguments: (argument_list) @flag.args) @flag.read
 (#any-of? @flag.method "waffle_flag" "waffle_switch")
 (#set! key_arg "0")
 (#set! negation_prefix "!"))
