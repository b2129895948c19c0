// libyaml, the reference C parser of YAML 1.1: reads the exporter's --web.config.file.
#include <yaml.h>
