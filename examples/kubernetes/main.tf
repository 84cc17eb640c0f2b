// A Coder workspace template for Kubernetes with exectrace logging every
// process the workspace starts.
//
// What exectrace adds to a plain Kubernetes workspace:
// - the exectrace sidecar container (privileged, root), waiting on
//   127.0.0.1:56123 — containers of a pod share the network namespace;
// - in the workspace container's command, an init step that POSTs the
//   container's PID namespace inode to the sidecar. The sidecar answers only
//   once tracing of that namespace is live, so nothing the workspace runs
//   afterwards is missed; then the agent starts as usual.

terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
    kubernetes = {
      source = "hashicorp/kubernetes"
    }
  }
}

variable "namespace" {
  type        = string
  description = "The Kubernetes namespace to create workspaces in."
}

variable "exectrace_image" {
  type        = string
  description = "The exectrace image (built from this repository's Dockerfile)."
  default     = "ghcr.io/example/exectrace:latest"
}

data "coder_workspace" "me" {}
data "coder_workspace_owner" "me" {}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
}

resource "kubernetes_pod" "main" {
  count = data.coder_workspace.me.start_count

  metadata {
    name      = "coder-${lower(data.coder_workspace_owner.me.name)}-${lower(data.coder_workspace.me.name)}"
    namespace = var.namespace
  }

  spec {
    container {
      name  = "dev"
      image = "codercom/enterprise-base:ubuntu"
      command = ["sh", "-c", <<-EOT
        # Send this container's PID namespace inode to exectrace and wait
        # until it is tracing before anything else runs.
        curl \
          --fail \
          --silent \
          --show-error \
          --connect-timeout 5 \
          --retry 30 \
          --retry-delay 1 \
          --retry-all-errors \
          --header "Content-Type: text/plain" \
          --data "$(readlink /proc/self/ns/pid | sed -E 's/pid:\[([0-9]+)\]/\1/')" \
          http://127.0.0.1:56123
        exec sh -c "$CODER_INIT_SCRIPT"
      EOT
      ]
      env {
        name  = "CODER_AGENT_TOKEN"
        value = coder_agent.main.token
      }
      env {
        name  = "CODER_INIT_SCRIPT"
        value = coder_agent.main.init_script
      }
      security_context {
        run_as_user = "1000"
      }
    }

    container {
      name              = "exectrace"
      image             = var.exectrace_image
      image_pull_policy = "Always"
      command = [
        "/opt/exectrace",
        "--init-address", "127.0.0.1:56123",
        "--label", "workspace_id=${data.coder_workspace.me.id}",
        "--label", "workspace_name=${data.coder_workspace.me.name}",
        "--label", "user_id=${data.coder_workspace_owner.me.id}",
        "--label", "username=${data.coder_workspace_owner.me.name}",
        "--label", "user_email=${data.coder_workspace_owner.me.email}",
      ]
      security_context {
        // Loading BPF programs and attaching them to the host kernel's
        // tracepoints needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN);
        // mounting tracefs when the node has not needs a privileged container.
        run_as_user  = "0"
        run_as_group = "0"
        privileged   = true
      }
      resources {
        requests = { cpu = "50m", memory = "64Mi" }
        limits   = { memory = "256Mi" }
      }
    }
  }
}
