"""The Kubernetes runtimes (``kubernetes``, ``eks``) and the ``kubernetes`` Ingress edge.

``plugin`` registers them; the other modules are their machinery: the objects of
a release (``manifests``), the client (``cluster``), the rollout status
(``rollout``), pod logs (``pod_logs``), the runtime (``runtime``) with its fields
(``fields``, ``team_config``), registry login (``registry``), databases
(``database_host``, ``service_manifests``) and costs (``costs``, ``meter``,
``prices``), the edge (``ingress_edge``) and AWS EKS and ECR (``eks``).
"""
