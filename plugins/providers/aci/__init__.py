"""The ``aci`` runtime: image releases as Azure Container Instances container groups."""
