-- Drives drizzle-lsp from a real Neovim (headless): open a migration, wait for diagnostics, hover, apply a quick fix.
-- Results are written as JSON to $DRIZZLE_OUT; the pytest side asserts on them.
local root = os.getenv("DRIZZLE_ROOT")
local out = os.getenv("DRIZZLE_OUT")
local python = os.getenv("DRIZZLE_PYTHON")
local file = os.getenv("DRIZZLE_FILE")
local wanted_action = os.getenv("DRIZZLE_ACTION")
local result = { diagnostics = {}, actions = {}, hover = "", lines = {} }

local function finish(code)
  vim.fn.writefile({ vim.fn.json_encode(result) }, out)
  if code == 0 then vim.cmd("qall!") else vim.cmd("cquit " .. code) end
end

vim.cmd("edit " .. file)
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "drizzle-lsp",
  cmd = { python, "-m", "drizzle_lsp", "serve" },
  root_dir = root,
})
vim.lsp.buf_attach_client(bufnr, client_id)

local got = vim.wait(20000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
if not got then result.error = "no diagnostics"; finish(1) return end
local lsp_diags = vim.lsp.diagnostic.get_line_diagnostics(bufnr, 0)
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ""
  table.insert(result.diagnostics, { code = code, message = d.message, lnum = d.lnum, col = d.col })
end

local client = vim.lsp.get_client_by_id(client_id)
local position = { line = 0, character = 2 }
local hover = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = position }, 10000)
for _, response in pairs(hover or {}) do
  if response.result and response.result.contents then result.hover = response.result.contents.value end
end

local params = {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  range = { start = { line = 0, character = 0 }, ["end"] = { line = 0, character = 1 } },
  context = { diagnostics = lsp_diags },
}
local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, 10000)
local chosen = nil
for _, response in pairs(responses or {}) do
  for _, action in ipairs(response.result or {}) do
    table.insert(result.actions, action.title)
    if chosen == nil and string.find(action.title, wanted_action, 1, true) then chosen = action end
  end
end
if chosen == nil or chosen.edit == nil then result.error = "action not offered"; finish(1) return end
vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
result.lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
finish(0)
