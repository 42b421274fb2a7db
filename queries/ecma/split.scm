; Split (Harness FME) server and browser SDKs (https://help.split.io/hc/en-us/articles/360020448791-JavaScript-SDK)

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "getTreatment" "getTreatments" "getTreatmentWithConfig" "getTreatmentsWithConfig")
 (#set! key_arg "1|0"))
