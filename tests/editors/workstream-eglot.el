;;; workstream-eglot.el --- drive `workstream serve' from Emacs with eglot, headless  -*- lexical-binding: t -*-
;; Run by test_emacs.py: emacs --batch -q -l workstream-eglot.el. The configuration is the README's.
;; WORKSTREAM_PYTHON, WORKSTREAM_BROKEN and WORKSTREAM_PLAN (two files of one git
;; repository), WORKSTREAM_OUT (what was seen, as JSON).
(package-initialize)  ; Debian's elpa-eglot
(require 'eglot)
(require 'json)
(require 'flymake)

(define-derived-mode workstream-mode js-mode "Workstream"
  "JSON with comments, for workstream files.")
(add-to-list 'auto-mode-alist
             '("\\(\\.workstream\\|/workstream\\|/workstreams/[^/]*\\)\\.json\\'" . workstream-mode))
(add-to-list 'eglot-server-programs
             `(workstream-mode ,(getenv "WORKSTREAM_PYTHON") "-m" "workstream" "serve"))

(defvar ws-seen nil "What the test saw, an alist written as JSON.")
(defvar ws-messages nil "Messages eglot showed (window/showMessage included).")
(advice-add 'message :before
            (lambda (format &rest args)
              (when format (push (apply #'format-message format args) ws-messages))))

(defun ws-wait (predicate seconds)
  "Process events until PREDICATE is non-nil or SECONDS pass; its last value."
  (let ((deadline (+ (float-time) seconds)) value)
    (while (and (not (setq value (funcall predicate))) (< (float-time) deadline))
      (accept-process-output nil 0.1))
    value))

(defun ws-finish (errors)
  (push (cons 'errors (vconcat errors)) ws-seen)
  (with-temp-file (getenv "WORKSTREAM_OUT") (insert (json-encode ws-seen)))
  (kill-emacs 0))

(defun ws-open (file)
  "Visit FILE (workstream-mode by the README's `auto-mode-alist') and start eglot there."
  (find-file file)
  (push (cons 'mode (symbol-name major-mode)) ws-seen)
  (apply #'eglot (eglot--guess-contact))
  (ws-wait (lambda () (eglot-current-server)) 30))

(condition-case err
    (progn
      ;; Diagnostics, through Flymake.
      (ws-open (getenv "WORKSTREAM_BROKEN"))
      (let ((diags (ws-wait (lambda () (flymake-diagnostics)) 30)))
        (push (cons 'diagnostics (vconcat (mapcar #'flymake-diagnostic-text diags))) ws-seen))
      ;; Hover and code actions on the plan, whose step "b" runs.
      (find-file (getenv "WORKSTREAM_PLAN"))
      (eglot--maybe-activate-editing-mode)
      (ws-wait (lambda () (eglot-current-server)) 30)
      (goto-char (point-min))
      (search-forward "\"id\": \"b\"")
      (backward-char 2)
      (let* ((server (eglot-current-server))
             ;; the first answer may come before the file's analysis (a loaded machine): ask
             ;; again until there is one
             (hover (ws-wait (lambda ()
                               (jsonrpc-request server :textDocument/hover
                                                (eglot--TextDocumentPositionParams)))
                             30))
             (contents (plist-get hover :contents)))
        (push (cons 'hover_kind (plist-get contents :kind)) ws-seen)
        (push (cons 'hover (plist-get contents :value)) ws-seen)
        (let* ((here (eglot--pos-to-lsp-position))
               (actions (jsonrpc-request
                         server :textDocument/codeAction
                         (list :textDocument (eglot--TextDocumentIdentifier)
                               :range (list :start here :end here)
                               :context (list :diagnostics []))))
               (run (seq-find (lambda (a) (string-prefix-p "Run step" (plist-get a :title)))
                              actions)))
          (push (cons 'actions (vconcat (mapcar (lambda (a) (plist-get a :title)) actions))) ws-seen)
          ;; Run it as `eglot-code-actions' does: the action's command.
          (let ((command (plist-get run :command)))
            (eglot-execute-command server (plist-get command :command)
                                   (plist-get command :arguments)))
          (ws-wait (lambda () (seq-find (lambda (m) (string-match-p "run succeeded" m)) ws-messages))
                   60)
          (push (cons 'messages (vconcat (reverse ws-messages))) ws-seen)))
      (ws-finish nil))
  (error (ws-finish (list (format "%S" err)))))
