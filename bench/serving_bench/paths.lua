-- wrk script: GET the paths listed (one a line) in the file named by $PATHS_FILE, at random.
local paths = {}

init = function(args)
  for line in io.lines(os.getenv("PATHS_FILE")) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
