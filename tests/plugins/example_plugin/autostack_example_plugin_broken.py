"""A plugin that fails to import, as a plugin with a missing dependency would."""

raise ImportError("autostack_example_plugin_broken needs a package that is not installed")
